"""Posting bank transfers to the double-entry ledger once they settle.

The ledger belongs to payments; banking posts only through its service
(`payments.services.ledger`), which refuses unbalanced entries and posts each
idempotency key once, so a transfer event applied twice posts once.

A debit (we pull money from the customer's bank) settles as Dr `bank_clearing` /
Cr `customer_balances`; a credit (we push money to it) the other way round. A
transfer returned after it settled is reversed, never edited.
"""

from __future__ import annotations

from banking.models import Transfer
from payments.models import JournalEntry, LedgerAccount
from payments.services.ledger import PostingLine, journal_entry_post, journal_entry_reverse, ledger_account_get

SETTLED = {Transfer.Status.SETTLED, Transfer.Status.FUNDS_AVAILABLE}


def _settlement_key(transfer: Transfer) -> str:
    return f"banking-transfer-{transfer.pk}-settled"


def transfer_ledger_post(*, transfer: Transfer) -> JournalEntry | None:
    """Call inside the transaction that moved the transfer's status."""
    if transfer.status in SETTLED:
        clearing = ledger_account_get(code=LedgerAccount.BANK_CLEARING, currency=transfer.currency)
        balances = ledger_account_get(code=LedgerAccount.CUSTOMER_BALANCES, currency=transfer.currency)
        sign = 1 if transfer.direction == Transfer.Direction.DEBIT else -1
        return journal_entry_post(
            lines=[PostingLine(clearing, sign * transfer.amount), PostingLine(balances, -sign * transfer.amount)],
            description=f"Bank transfer {transfer.pk} settled ({transfer.direction})",
            idempotency_key=_settlement_key(transfer),
        )
    if transfer.status == Transfer.Status.RETURNED:
        settled = JournalEntry.objects.filter(idempotency_key=_settlement_key(transfer)).first()
        if settled is not None:
            return journal_entry_reverse(entry=settled, description=f"Bank transfer {transfer.pk} returned")
    return None
