"""Resolving an exception of the reconciliation queue: an adjusting journal entry or an
explanation. Either is a conditional update of the open item (one resolution per
item, whoever clicks first), audited in the same transaction. A resolution stays on
the item and is carried over when the period is rerun."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from fintech.errors import DomainError
from fintech.money import normalise_currency
from fintech.services.audit import audit_event_record
from fintech.truncation import truncate_to_field
from ledger.models import JournalEntry, LedgerAccount
from ledger.services.journal import PostingLine, journal_entry_post, ledger_account_get
from payments.errors import StateConflictError
from payments.models import ReconciliationItem
from payments.services.fees import dispute_fee_entry_key

Resolution = ReconciliationItem.Resolution


class ResolutionError(DomainError):
    code = "invalid_resolution"


def _entry_key(item: ReconciliationItem, debit_code: str) -> str:
    """A fee booked for a gateway record is keyed `gateway-fee-<reference>` (a dispute's
    reinstatement: `...-reinstated`): the next match finds it and compares it with the
    gateway's fee."""
    if debit_code == LedgerAccount.FEES and item.reference:
        return dispute_fee_entry_key(item.reference, reinstated=item.ledger_kind == "dispute_reinstated")
    return truncate_to_field(JournalEntry, "idempotency_key", f"reconciliation-{item.run_id}-{item.match_key}")


def _mark(item: ReconciliationItem, *, resolution: str, note: str, actor, entry: JournalEntry | None = None) -> None:
    now = timezone.now()
    if (
        not ReconciliationItem.objects.filter(pk=item.pk, resolution=Resolution.OPEN)
        .exclude(classification=ReconciliationItem.Classification.MATCHED)
        .update(resolution=resolution, resolution_note=note, resolved_by=actor, resolved_at=now, adjusting_entry=entry)
    ):
        raise StateConflictError(f"reconciliation item {item.pk} is not an open exception")


@transaction.atomic
def reconciliation_exception_explain(*, item: ReconciliationItem, note: str, actor) -> ReconciliationItem:
    note = (note or "").strip()
    if not note:
        raise ResolutionError("an explanation needs a note")
    _mark(item, resolution=Resolution.EXPLAINED, note=note, actor=actor)
    item.refresh_from_db()
    audit_event_record(
        action="payments.reconciliation_exception.explained",
        actor=actor,
        target=item,
        before={"resolution": Resolution.OPEN},
        after={
            "resolution": Resolution.EXPLAINED,
            "note": note,
            "match_key": item.match_key,
            "classification": item.classification,
        },
    )
    return item


@transaction.atomic
def reconciliation_exception_adjust(
    *,
    item: ReconciliationItem,
    debit_account: str,
    credit_account: str,
    amount: int,
    currency: str,
    note: str,
    actor,
) -> ReconciliationItem:
    """Post a balanced two-line entry (debit `debit_account`, credit `credit_account`,
    `amount` minor units) through `journal_entry_post`, and resolve the item with it."""
    note = (note or "").strip()
    if not note:
        raise ResolutionError("an adjusting entry needs a note saying why")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise ResolutionError("an adjustment amount is a positive int of minor units")
    if debit_account == credit_account:
        raise ResolutionError("debit and credit accounts must differ")
    currency = normalise_currency(currency)
    locked = ReconciliationItem.objects.select_for_update().get(pk=item.pk)
    if locked.resolution != Resolution.OPEN or locked.classification == ReconciliationItem.Classification.MATCHED:
        raise StateConflictError(f"reconciliation item {item.pk} is not an open exception")
    entry = journal_entry_post(
        lines=[
            PostingLine(ledger_account_get(code=debit_account, currency=currency), amount),
            PostingLine(ledger_account_get(code=credit_account, currency=currency), -amount),
        ],
        description=truncate_to_field(
            JournalEntry, "description", f"Reconciliation adjustment: {locked.reference or locked.match_key}: {note}"
        ),
        idempotency_key=_entry_key(locked, debit_account),
        actor=actor,
    )
    if not entry.postings.filter(amount=amount, account__code=debit_account).exists():
        raise StateConflictError(f"an entry with key {entry.idempotency_key} already exists with other postings")
    _mark(locked, resolution=Resolution.ADJUSTED, note=note, actor=actor, entry=entry)
    locked.refresh_from_db()
    audit_event_record(
        action="payments.reconciliation_exception.adjusted",
        actor=actor,
        target=locked,
        before={"resolution": Resolution.OPEN},
        after={
            "resolution": Resolution.ADJUSTED,
            "note": note,
            "journal_entry": entry.pk,
            "match_key": locked.match_key,
            "debit": debit_account,
            "credit": credit_account,
            "amount": amount,
            "currency": currency,
        },
    )
    return locked
