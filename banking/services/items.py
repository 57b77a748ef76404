"""Linking an item (public-token exchange) and keeping its accounts and status."""

from __future__ import annotations

import hashlib
import logging

from django.db import transaction
from django.utils import timezone

from banking import plaid
from banking.errors import BankLinkError
from banking.models import BankAccount, PlaidItem
from banking.plaid.types import LinkToken
from fintech.models import Customer
from fintech.outbox import outbox_task_enqueue
from fintech.party_screening import screen_party
from fintech.services.audit import audit_event_record

logger = logging.getLogger(__name__)
# Errors meaning "this item has no account the product covers": the item is still usable.
_PRODUCT_GAPS = {"PRODUCTS_NOT_SUPPORTED", "NO_AUTH_ACCOUNTS", "PRODUCT_NOT_ENABLED", "NO_ACCOUNTS"}


def link_token_create(*, customer: Customer, item: PlaidItem | None = None) -> LinkToken:
    """A Link token for the customer's page; with `item`, Link opens in update mode."""
    return plaid.link_token_create(
        client_user_id=customer.external_id, access_token=item.access_token if item is not None else None
    )


def public_token_digest(public_token: str) -> str:
    return hashlib.sha256(public_token.encode()).hexdigest()


def item_link_exchange(*, customer_id: int, public_token: str, link_institution_id: str = "") -> PlaidItem:
    """Exchange Link's public token for an item, then load its accounts.

    Idempotent: the item remembers the digest of the public token that produced it, so
    a re-run finds its item instead of spending the (single-use) token again, and only
    loads the accounts if the first run did not get that far.
    """
    digest = public_token_digest(public_token)
    item = PlaidItem.objects.filter(public_token_sha256=digest).first()
    if item is None:
        access = plaid.item_public_token_exchange(public_token=public_token)
        with transaction.atomic():
            item, created = PlaidItem.objects.select_for_update().get_or_create(
                item_id=access.item_id,
                defaults={
                    "customer_id": customer_id,
                    "access_token": access.access_token,
                    "public_token_sha256": digest,
                    "link_institution_id": link_institution_id,
                },
            )
            if not created and item.customer_id != customer_id:
                raise BankLinkError("this bank login is linked to another customer")
            if not created:  # the same login linked again: keep the row, take the new token
                item.access_token, item.public_token_sha256 = access.access_token, digest
                item.link_institution_id = link_institution_id
                item.save(update_fields=["access_token", "public_token_sha256", "link_institution_id", "updated_at"])
            audit_event_record(
                action="banking.item.linked",
                target=item,
                after={
                    "item_id": item.item_id,
                    "customer_id": customer_id,
                    "link_institution_id": link_institution_id,
                    "relinked": not created,
                },
            )
    if item.accounts_loaded_at is None:
        item = item_accounts_load(item=item)
    return item


def _optional(call, **kwargs):
    try:
        return call(**kwargs)
    except plaid.PlaidError as exc:
        if exc.code in _PRODUCT_GAPS:
            logger.info("plaid product not available for item: %s", exc.code)
            return None
        raise


def item_accounts_load(*, item: PlaidItem) -> PlaidItem:
    """Fetch accounts, ACH numbers, owner names and the institution; store them (numbers encrypted)."""
    found = plaid.accounts_get(access_token=item.access_token)
    numbers = {n.account_id: n for n in (_optional(plaid.auth_get, access_token=item.access_token) or [])}
    owners = _optional(plaid.identity_get, access_token=item.access_token) or {}
    institution = plaid.institutions_get_by_id(institution_id=found.institution_id) if found.institution_id else None
    with transaction.atomic():
        item = PlaidItem.objects.select_for_update().get(pk=item.pk)
        for account in found.accounts:
            ach = numbers.get(account.account_id)
            BankAccount.objects.update_or_create(
                account_id=account.account_id,
                defaults={
                    "item": item,
                    "name": account.name,
                    "official_name": account.official_name,
                    "mask": account.mask,
                    "type": account.type,
                    "subtype": account.subtype,
                    "currency": account.currency,
                    "current_balance": account.current,
                    "available_balance": account.available,
                    "balances_updated_at": timezone.now(),
                    "account_number": ach.account if ach else "",
                    "routing_number": ach.routing if ach else "",
                    "owner_names": owners.get(account.account_id, []),
                },
            )
        item.institution_id = found.institution_id
        item.institution_name = institution.name if institution else ""
        item.accounts_loaded_at = timezone.now()
        item.new_accounts_available = False
        item.save()
        audit_event_record(
            action="banking.item.accounts_loaded",
            target=item,
            after={
                "institution_id": item.institution_id,
                "accounts": [{"mask": a.mask, "type": a.type, "subtype": a.subtype} for a in found.accounts],
            },
        )
        # Account owners are parties too: their names are screened, and a hit on an
        # account blocks transfers from it until an analyst clears it.
        for account in BankAccount.objects.filter(item=item):
            for owner in account.owner_names:
                screen_party(name=owner, party=account)
    return item


def item_balances_refresh(*, item: PlaidItem) -> list[BankAccount]:
    """Real-time balances from `/accounts/balance/get`."""
    found = plaid.accounts_balance_get(access_token=item.access_token)
    with transaction.atomic():
        accounts = {a.account_id: a for a in item.accounts.select_for_update().order_by("pk")}
        changed = []
        for fresh in found.accounts:
            account = accounts.get(fresh.account_id)
            if account is None:
                continue
            before = {"current": account.current_balance, "available": account.available_balance}
            account.current_balance, account.available_balance = fresh.current, fresh.available
            account.balances_updated_at = timezone.now()
            account.save(update_fields=["current_balance", "available_balance", "balances_updated_at", "updated_at"])
            changed.append(account)
            audit_event_record(
                action="banking.account.balances_refreshed",
                target=account,
                before=before,
                after={"current": fresh.current, "available": fresh.available},
            )
    return changed


def item_status_change(
    *,
    item_id: int,
    status: str,
    error_code: str = "",
    reason: str,
    consent_expires_at=None,
    new_accounts_available: bool | None = None,
) -> bool:
    """Move an item's status (from a webhook or a failed call); audited. False if nothing changed."""
    with transaction.atomic():
        item = PlaidItem.objects.select_for_update().get(pk=item_id)
        if item.status == PlaidItem.Status.REVOKED and status != PlaidItem.Status.REVOKED:
            return False  # the customer withdrew consent: only a new Link session brings the bank back
        before = {
            "status": item.status,
            "error_code": item.error_code,
            "new_accounts_available": item.new_accounts_available,
        }
        item.status, item.error_code = status, error_code
        if consent_expires_at is not None:
            item.consent_expires_at = consent_expires_at
        if new_accounts_available is not None:
            item.new_accounts_available = new_accounts_available
        after = {
            "status": item.status,
            "error_code": item.error_code,
            "new_accounts_available": item.new_accounts_available,
        }
        if before == after and consent_expires_at is None:
            return False
        item.save()
        audit_event_record(
            action="banking.item.status_changed", target=item, before=before, after={**after, "reason": reason}
        )
    return True


def bank_link_submit(*, customer: Customer, public_token: str, link_institution_id: str) -> None:
    """Hand Link's public token to the exchange task (after commit): the page answers at once."""
    # The public token is single-use (30 minutes): sealed in the outbox, erased once sent.
    outbox_task_enqueue(
        "banking.exchange_public_token",
        customer.pk,
        link_institution_id=link_institution_id,
        sealed={"public_token": public_token},
    )
