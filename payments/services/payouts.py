"""Payouts from the gateway balance to our bank account.

A paid payout moves the money from gateway clearing to the payouts account; a payout
that fails after it was reported paid is corrected by a reversing entry.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from fintech.events import publish_transaction_event
from fintech.services.audit import audit_event_record
from fintech.truncation import truncate_to_field
from ledger.models import JournalEntry, LedgerAccount
from ledger.services.journal import PostingLine, journal_entry_post, journal_entry_reverse, ledger_account_get
from payments.models import Payout

Status = Payout.Status


def payout_record(*, gateway: str, reference: str, amount: int, currency: str) -> Payout:
    try:
        with transaction.atomic():
            payout = Payout.objects.create(
                gateway=gateway, gateway_reference=reference, amount=amount, currency=currency
            )
    except IntegrityError:
        return Payout.objects.get(gateway=gateway, gateway_reference=reference)
    audit_event_record(
        action="payments.payout.recorded",
        target=payout,
        after={"amount": amount, "currency": currency, "status": payout.status},
    )
    return payout


def payout_paid(*, payout: Payout) -> bool:
    if not Payout.objects.filter(pk=payout.pk, status=Status.PENDING).update(
        status=Status.PAID, updated_at=timezone.now()
    ):
        return False
    audit_event_record(
        action="payments.payout.paid", target=payout, before={"status": Status.PENDING}, after={"status": Status.PAID}
    )
    journal_entry_post(
        lines=[
            PostingLine(ledger_account_get(code=LedgerAccount.PAYOUTS, currency=payout.currency), payout.amount),
            PostingLine(
                ledger_account_get(code=LedgerAccount.GATEWAY_CLEARING, currency=payout.currency), -payout.amount
            ),
        ],
        description=f"Payout {payout.gateway_reference} paid",
        idempotency_key=f"payout-{payout.pk}-paid",
    )
    publish_transaction_event(
        source="payments",
        kind="payout",
        reference=f"payout:{payout.pk}",
        amount=payout.amount,
        currency=payout.currency,
        customer_id=None,
        occurred_at=timezone.now().isoformat(),
        direction="out",
        channel="payout",
        counterparty_name=f"{payout.gateway} payout",
    )
    return True


def payout_failed(*, payout: Payout, reason: str) -> bool:
    fields = {
        "status": Status.FAILED,
        "failure_reason": truncate_to_field(Payout, "failure_reason", reason),
        "updated_at": timezone.now(),
    }
    if Payout.objects.filter(pk=payout.pk, status=Status.PENDING).update(**fields):
        before = Status.PENDING
    elif Payout.objects.filter(pk=payout.pk, status=Status.PAID).update(**fields):
        before = Status.PAID
    else:
        return False
    audit_event_record(
        action="payments.payout.failed",
        target=payout,
        before={"status": before},
        after={"status": Status.FAILED, "reason": reason},
    )
    if before == Status.PAID:
        paid_entry = JournalEntry.objects.get(idempotency_key=f"payout-{payout.pk}-paid")
        journal_entry_reverse(entry=paid_entry, description=f"Payout {payout.gateway_reference} failed after paid")
    return True
