"""Transfers with a customer's linked account: pre-flight checks, then Plaid Transfer.

Every check is recorded (`TransferCheck`) before any call leaves the building; one
failed check refuses the transfer, with the reason, an audit event, and no Plaid call.

The checks on money (limits, funds) run under the lock of the customer's balance
account, and a payout's hold is placed in the same transaction: two requests racing
for the same funds are serialised, and the second sees the first one's hold.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from banking import conf, plaid
from banking.errors import TransferRefusedError
from banking.models import BankAccount, PlaidItem, Transfer, TransferCheck, TransferEventCursor
from banking.services.owner_names import NameMatch, owner_name_match
from banking.services.transfer_ledger import SETTLED, transfer_hold_place, transfer_ledger_post
from fintech.models import AuditEvent, Customer
from fintech.money import format_money, normalise_currency
from fintech.party_screening import party_is_blocked, screen_party
from fintech.services.audit import audit_event_record
from fintech.truncation import truncate_to_field
from ledger.selectors import available_balance
from ledger.services.holds import customer_balance_account_lock

logger = logging.getLogger(__name__)
ELIGIBLE_SUBTYPES = {"checking", "savings"}
EVENT_STATUSES = {
    "pending": Transfer.Status.PENDING,
    "posted": Transfer.Status.POSTED,
    "settled": Transfer.Status.SETTLED,
    "funds_available": Transfer.Status.FUNDS_AVAILABLE,
    "cancelled": Transfer.Status.CANCELLED,
    "failed": Transfer.Status.FAILED,
    "returned": Transfer.Status.RETURNED,
}
NOT_COUNTED = {
    Transfer.Status.CHECKING,
    Transfer.Status.REFUSED,
    Transfer.Status.DECLINED,
    Transfer.Status.FAILED,
    Transfer.Status.CANCELLED,
}


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    detail: str
    needs_review: bool = False


def _institution(transfer: Transfer) -> CheckResult:
    item = transfer.account.item
    linked, actual = transfer.link_institution_id or item.link_institution_id, item.institution_id
    ok = bool(linked) and linked == actual
    return CheckResult("institution_matches", ok, f"Link said {linked or 'nothing'}, Plaid says {actual or 'nothing'}")


def _account(transfer: Transfer) -> CheckResult:
    account = transfer.account
    if account.item.customer_id != transfer.customer_id:
        return CheckResult("account_eligible", False, "the account is not on one of the customer's items")
    ok = account.type == "depository" and account.subtype in ELIGIBLE_SUBTYPES
    return CheckResult("account_eligible", ok, f"{account.type}/{account.subtype} ••••{account.mask}")


def _item_healthy(transfer: Transfer) -> CheckResult:
    status = transfer.account.item.status
    return CheckResult("item_healthy", status == PlaidItem.Status.HEALTHY, f"item is {status}")


def _owner_name(transfer: Transfer) -> CheckResult:
    """Given and family name must match (see `owner_names`); a plausible-only match passes
    once staff verified that owner name on the account, and otherwise waits for them."""
    customer, account = transfer.customer, transfer.account
    owners = account.owner_names or []
    result = owner_name_match(
        legal_name=customer.legal_name,
        owner_names=owners,
        organisation=customer.entity_type == Customer.EntityType.ORGANISATION,
    )
    detail = f"{result.outcome}: {result.reason} (best of {len(owners)} owner name(s))"
    if result.outcome == NameMatch.REVIEW:
        verified = (
            account.owner_review == BankAccount.OwnerReview.VERIFIED and account.owner_review_name == result.owner
        )
        if verified:
            return CheckResult("owner_name_matches", True, f"{detail}; verified by staff")
        return CheckResult("owner_name_matches", False, f"owner name needs review: {detail}", needs_review=True)
    return CheckResult("owner_name_matches", result.outcome == NameMatch.MATCH, detail)


def _customer_active(transfer: Transfer) -> CheckResult:
    status = transfer.customer.status
    return CheckResult("customer_active", status == Customer.Status.ACTIVE, f"customer is {status}")


def _sanctions(transfer: Transfer) -> CheckResult:
    """Screen the customer through the screening port (fintech/party_screening.py, which
    compliance implements), then ask whether any hit is open (pending review or confirmed)
    for the customer or the account's owners.

    The decision alone is not the gate: a match an analyst cleared as a false positive
    still scores as a match, and must not block the customer for ever. If screening
    fails, no money moves on an unknown answer.
    """
    customer = transfer.customer
    try:
        screen_party(
            name=customer.legal_name,
            date_of_birth=customer.date_of_birth,
            country=customer.country or None,
            entity_type=customer.entity_type,
            party=customer,
        )
        blocked = party_is_blocked(customer) or party_is_blocked(transfer.account)
    except Exception:  # screening broke: fail closed
        logger.exception("sanctions screening failed for a transfer")
        return CheckResult("sanctions_clear", False, "sanctions screening failed")
    return CheckResult(
        "sanctions_clear",
        not blocked,
        "a screening hit is open for review" if blocked else "no open screening hit",
    )


def _amount(transfer: Transfer) -> CheckResult:
    """Per-transfer limits, lower while the customer has no settled transfer yet and for
    an account linked recently: the two moments an account taken over is emptied."""
    if transfer.currency != conf.TRANSFER_CURRENCY or transfer.currency != transfer.account.currency:
        return CheckResult(
            "amount_within_limits",
            False,
            f"{transfer.currency} transfers are not possible on a {transfer.account.currency} account",
        )
    low, high, which = conf.transfer_min_amount(), conf.transfer_max_amount(), "per transfer"
    new_since = timezone.now() - timedelta(days=conf.transfer_new_account_days())
    if transfer.account.created_at > new_since and conf.transfer_new_account_max_amount() < high:
        high, which = conf.transfer_new_account_max_amount(), "to an account linked recently"
    first = not Transfer.objects.filter(customer_id=transfer.customer_id, status__in=SETTLED).exists()
    if first and conf.transfer_first_max_amount() < high:
        high, which = conf.transfer_first_max_amount(), "until a first transfer settled"
    ok = low <= transfer.amount <= high
    return CheckResult(
        "amount_within_limits",
        ok,
        f"{format_money(transfer.amount, transfer.currency)} "
        f"(limits {format_money(low, transfer.currency)} to {format_money(high, transfer.currency)} "
        f"{which})",
    )


def _velocity(transfer: Transfer) -> CheckResult:
    """The customer's transfers the same way over the last 24 hours and 30 days, this one
    included, stay within the limits. Refused, declined, failed and cancelled transfers
    moved nothing and do not count; returned ones do (returns are a fraud signal)."""
    now, currency = timezone.now(), transfer.currency
    earlier = (
        Transfer.objects.filter(customer_id=transfer.customer_id, direction=transfer.direction, currency=currency)
        .exclude(pk=transfer.pk)
        .exclude(status__in=NOT_COUNTED)
    )
    failed = []
    for label, days, limit in (
        ("24 hours", 1, conf.transfer_daily_limit()),
        ("30 days", 30, conf.transfer_30_day_limit()),
    ):
        total = transfer.amount + (
            earlier.filter(created_at__gte=now - timedelta(days=days)).aggregate(total=Sum("amount"))["total"] or 0
        )
        if total > limit:
            failed.append(f"{format_money(total, currency)} over {label} exceeds {format_money(limit, currency)}")
    detail = "; ".join(failed) or f"within the {transfer.direction} limits for 24 hours and 30 days"
    return CheckResult("velocity_within_limits", not failed, detail)


def _funds(transfer: Transfer) -> CheckResult:
    """A credit pays out of the customer's balance: it needs that much available (settled
    balance minus holds). A debit brings money in and needs none."""
    if transfer.direction != Transfer.Direction.CREDIT:
        return CheckResult("funds_available", True, "money coming in: no funds needed")
    available = available_balance(customer=transfer.customer, currency=transfer.currency)
    asked = format_money(transfer.amount, transfer.currency)
    shown = format_money(max(available, 0), transfer.currency)
    return CheckResult("funds_available", transfer.amount <= available, f"{asked} asked, {shown} available")


PREFLIGHT_CHECKS = (_institution, _account, _item_healthy, _owner_name, _customer_active, _sanctions)
# Run under the customer's balance lock: what they read (balance, holds, recent
# transfers) cannot change between the check and the hold.
MONEY_CHECKS = (_amount, _velocity, _funds)


def _transition(
    transfer: Transfer, *, to: str, action: str, outcome: str = AuditEvent.Outcome.SUCCESS, **fields
) -> Transfer:
    """Conditional update from the status we hold: a concurrent move makes it fail loudly.
    The ledger follows in the same transaction (a hold released on failure)."""
    with transaction.atomic():
        moved = Transfer.objects.filter(pk=transfer.pk, status=transfer.status).update(
            status=to, updated_at=timezone.now(), **fields
        )
        if moved != 1:
            raise RuntimeError(f"transfer {transfer.pk} moved concurrently from {transfer.status}")
        before = {"status": transfer.status}
        transfer.refresh_from_db()
        audit_event_record(
            action=action, target=transfer, before=before, outcome=outcome, after={"status": to, **fields}
        )
        transfer_ledger_post(transfer=transfer)
    return transfer


def _owner_review_request(*, account: BankAccount, actor=None) -> None:
    """Put the account in staff's queue, once (a conditional update)."""
    if BankAccount.objects.filter(pk=account.pk, owner_review=BankAccount.OwnerReview.NONE).update(
        owner_review=BankAccount.OwnerReview.PENDING, updated_at=timezone.now()
    ):
        audit_event_record(
            action="banking.bank_account.owner_review_requested",
            actor=actor,
            target=account,
            before={"owner_review": ""},
            after={"owner_review": BankAccount.OwnerReview.PENDING},
        )


def transfer_initiate(
    *,
    customer: Customer,
    account: BankAccount,
    direction: str,
    amount: int,
    currency: str,
    idempotency_key: str,
    description: str = "",
    link_institution_id: str = "",
    actor=None,
) -> Transfer:
    """Create a transfer, run and record every pre-flight check, then authorize and create it at Plaid.

    Idempotent per (customer, idempotency_key): a repeat returns the first transfer.
    Raises `TransferRefusedError` (after committing the refusal) when a check fails.
    """
    currency = normalise_currency(currency)
    with transaction.atomic():
        try:
            with transaction.atomic():
                transfer = Transfer.objects.create(
                    customer=customer,
                    account=account,
                    direction=direction,
                    amount=amount,
                    currency=currency,
                    idempotency_key=idempotency_key,
                    description=truncate_to_field(Transfer, "description", description),
                    link_institution_id=link_institution_id,
                )
        except IntegrityError:
            existing = Transfer.objects.get(customer=customer, idempotency_key=idempotency_key)
            if existing.status == Transfer.Status.REFUSED:
                failed_checks = list(existing.checks.filter(passed=False).values("name", "detail"))
                raise TransferRefusedError(
                    existing.failure_reason, transfer=existing, failed_checks=failed_checks
                ) from None
            return existing
        # The customer's funds are checked below under this lock, held until commit.
        customer_balance_account_lock(customer=customer, currency=conf.TRANSFER_CURRENCY)
        audit_event_record(
            action="banking.transfer.requested",
            actor=actor,
            target=transfer,
            after={"direction": direction, "amount": amount, "currency": currency, "account": account.mask},
        )
        results = [check(transfer) for check in PREFLIGHT_CHECKS + MONEY_CHECKS]
        TransferCheck.objects.bulk_create(
            TransferCheck(
                transfer=transfer,
                name=r.name,
                passed=r.passed,
                detail=truncate_to_field(TransferCheck, "detail", r.detail),
            )
            for r in results
        )
        failed = [r for r in results if not r.passed]
        if any(r.needs_review for r in failed):
            _owner_review_request(account=account, actor=actor)
        if failed:
            reason = "; ".join(f"{r.name}: {r.detail}" for r in failed)
            transfer = _transition(
                transfer,
                to=Transfer.Status.REFUSED,
                action="banking.transfer.refused",
                outcome=AuditEvent.Outcome.FAILURE,
                failure_reason=reason,
            )
        else:
            transfer_hold_place(transfer=transfer, actor=actor)
            transfer = _transition(transfer, to=Transfer.Status.AUTHORIZING, action="banking.transfer.checks_passed")
    if failed:
        raise TransferRefusedError(
            f"transfer refused: {reason}",
            transfer=transfer,
            failed_checks=[{"name": r.name, "detail": r.detail} for r in failed],
        )
    return _transfer_submit(transfer)


def _transfer_submit(transfer: Transfer) -> Transfer:
    """Authorize, then create, at Plaid; our reference is the idempotency key of both."""
    account = transfer.account
    key = str(transfer.reference)
    try:
        authorization = plaid.transfer_authorization_create(
            access_token=account.item.access_token,
            account_id=account.account_id,
            direction=transfer.direction,
            amount=transfer.amount,
            currency=transfer.currency,
            legal_name=transfer.customer.legal_name,
            idempotency_key=key,
        )
        if authorization.decision != "approved":
            return _transition(
                transfer,
                to=Transfer.Status.DECLINED,
                action="banking.transfer.declined",
                outcome=AuditEvent.Outcome.FAILURE,
                plaid_authorization_id=authorization.authorization_id,
                failure_reason=authorization.rationale or authorization.decision,
            )
        created = plaid.transfer_create(
            access_token=account.item.access_token,
            account_id=account.account_id,
            authorization_id=authorization.authorization_id,
            description=transfer.description or "transfer",
            idempotency_key=key,
        )
    except (plaid.PlaidError, plaid.PlaidUnavailableError) as exc:
        # Nothing moved: no transfer exists at Plaid unless /transfer/create answered.
        return _transition(
            transfer,
            to=Transfer.Status.FAILED,
            action="banking.transfer.failed",
            outcome=AuditEvent.Outcome.FAILURE,
            failure_reason=f"Plaid: {exc}"[:500],
        )
    return _transition(
        transfer,
        to=EVENT_STATUSES.get(created.status, Transfer.Status.PENDING),
        action="banking.transfer.created",
        plaid_authorization_id=authorization.authorization_id,
        plaid_transfer_id=created.transfer_id,
    )


def transfer_events_sync() -> int:
    """Apply `/transfer/event/sync` from the stored cursor; each event moves its transfer once."""
    applied = 0
    while True:
        cursor, _ = TransferEventCursor.objects.get_or_create(pk=1)
        events, has_more = plaid.transfer_event_sync(after_id=cursor.after_id)
        with transaction.atomic():
            cursor = TransferEventCursor.objects.select_for_update().get(pk=1)
            for event in sorted(events, key=lambda e: e.event_id):
                if event.event_id <= cursor.after_id:
                    continue
                cursor.after_id = event.event_id
                status = EVENT_STATUSES.get(event.event_type)
                transfer = Transfer.objects.select_for_update().filter(plaid_transfer_id=event.transfer_id).first()
                if status is None or transfer is None or (transfer.last_event_id or 0) >= event.event_id:
                    continue
                before = {"status": transfer.status}
                transfer.status, transfer.last_event_id = status, event.event_id
                if event.failure_reason:
                    transfer.failure_reason = event.failure_reason
                transfer.save(update_fields=["status", "last_event_id", "failure_reason", "updated_at"])
                audit_event_record(
                    action="banking.transfer.status_changed",
                    target=transfer,
                    before=before,
                    after={"status": status, "event_id": event.event_id, "failure_reason": event.failure_reason},
                )
                transfer_ledger_post(transfer=transfer)
                applied += 1
            cursor.save()
        if not has_more or not events:
            return applied
