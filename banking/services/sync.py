"""Incremental transactions through `/transactions/sync` with the item's stored cursor."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from banking import conf, plaid
from banking.errors import SyncRestartLimitError
from banking.models import BankTransaction, PlaidItem
from banking.plaid.types import SyncPage, Transaction
from banking.services.items import item_status_change
from fintech.events import publish_transaction_event
from fintech.services.audit import audit_event_record
from fintech.truncation import truncate_to_field

logger = logging.getLogger(__name__)
MUTATION_DURING_PAGINATION = "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION"
LOGIN_REQUIRED = "ITEM_LOGIN_REQUIRED"


@dataclass(frozen=True)
class SyncOutcome:
    added: int = 0
    modified: int = 0
    removed: int = 0
    restarts: int = 0
    skipped: str = ""


def _fetch_pages(*, access_token: str, cursor: str) -> list[SyncPage]:
    pages = []
    while True:
        page = plaid.transactions_sync(access_token=access_token, cursor=cursor)
        pages.append(page)
        cursor = page.next_cursor
        if not page.has_more:
            return pages


def item_transactions_sync(*, item_id: int) -> SyncOutcome:
    """Fetch every page since the stored cursor, then apply them all in one transaction.

    Plaid may change the data between pages (TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION):
    then the pages fetched so far are dropped and the loop starts again from the last
    committed cursor, as Plaid asks. Pages are applied only when the whole run is in hand,
    and only if no other run moved the cursor meanwhile, so a transaction is never
    applied from two overlapping runs.
    """
    for restarts in range(conf.SYNC_MAX_RESTARTS + 1):
        item = PlaidItem.objects.get(pk=item_id)
        if item.status == PlaidItem.Status.REVOKED:
            return SyncOutcome(skipped="revoked")
        start_cursor = item.transactions_cursor
        try:
            pages = _fetch_pages(access_token=item.access_token, cursor=start_cursor)
        except plaid.PlaidError as exc:
            if exc.code == MUTATION_DURING_PAGINATION:
                logger.info("transactions changed during pagination; restarting from the stored cursor")
                continue
            if exc.code == LOGIN_REQUIRED:
                item_status_change(
                    item_id=item_id,
                    status=PlaidItem.Status.NEEDS_UPDATE,
                    error_code=exc.code,
                    reason="transactions_sync",
                )
                return SyncOutcome(skipped="needs_update")
            raise
        outcome = _pages_apply(item_id=item_id, start_cursor=start_cursor, pages=pages, restarts=restarts)
        if outcome is not None:
            return outcome
    raise SyncRestartLimitError(f"item {item_id}: gave up after {conf.SYNC_MAX_RESTARTS} restarts")


def _upsert(item: PlaidItem, accounts: dict, found: Transaction) -> bool | None:
    """Create or update one transaction; True if created, None if its account is unknown."""
    account = accounts.get(found.account_id)
    if account is None:
        return None
    row, created = BankTransaction.objects.update_or_create(
        transaction_id=found.transaction_id,
        defaults={
            "account": account,
            "amount": found.amount,
            "currency": found.currency,
            "date": found.date,
            "name": truncate_to_field(BankTransaction, "name", found.name),
            "merchant_name": truncate_to_field(BankTransaction, "merchant_name", found.merchant_name),
            "pending": found.pending,
            "removed": False,
        },
    )
    if created:
        # Plaid gives a posting date only: the event happens at the start of that UTC day.
        occurred_at = datetime.datetime.combine(row.date, datetime.time(), tzinfo=datetime.UTC)
        publish_transaction_event(
            source="banking",
            kind="bank_transaction",
            reference=row.transaction_id,
            amount=abs(row.amount),
            currency=row.currency,
            customer_id=item.customer_id,
            occurred_at=occurred_at.isoformat(),
            direction="out" if row.amount > 0 else "in",  # Plaid: positive is money leaving the account
            # A merchant name means a purchase at a merchant (card or online), not a transfer to a person:
            # monitoring's fan-out rule does not count purchases.
            channel="merchant" if row.merchant_name else "bank_transaction",
            counterparty_name=row.merchant_name or row.name,
            counterparty_account=row.merchant_name or "",
        )
    return created


def _pages_apply(*, item_id: int, start_cursor: str, pages: list[SyncPage], restarts: int) -> SyncOutcome | None:
    with transaction.atomic():
        item = PlaidItem.objects.select_for_update().get(pk=item_id)
        if item.transactions_cursor != start_cursor:
            return None  # another run committed first: start again from its cursor
        accounts = {a.account_id: a for a in item.accounts.all()}
        added = modified = removed = unknown = 0
        for page in pages:
            for found in page.added:
                result = _upsert(item, accounts, found)
                unknown += result is None
                added += result is True
            for found in page.modified:
                result = _upsert(item, accounts, found)
                unknown += result is None
                modified += result is not None
            ids = [r.transaction_id for r in page.removed]
            removed += BankTransaction.objects.filter(transaction_id__in=ids, account__item=item, removed=False).update(
                removed=True, updated_at=timezone.now()
            )
        item.transactions_cursor = pages[-1].next_cursor
        item.last_synced_at = timezone.now()
        item.save(update_fields=["transactions_cursor", "last_synced_at", "updated_at"])
        audit_event_record(
            action="banking.item.transactions_synced",
            target=item,
            after={
                "added": added,
                "modified": modified,
                "removed": removed,
                "unknown_account": unknown,
                "pages": len(pages),
                "restarts": restarts,
            },
        )
    return SyncOutcome(added=added, modified=modified, removed=removed, restarts=restarts)
