"""Posting bank transfers to the double-entry ledger, and the hold that reserves a
payout's money until it settles.

Banking posts only through the ledger's services (`ledger.services.journal`,
`ledger.services.holds`), which refuse unbalanced
entries and post each idempotency key once, so a transfer event applied twice posts once.

A debit (we pull money from the customer's bank) settles as Dr `bank_clearing` /
Cr the customer's own `customer_balances` account; a credit (we push money to it) the
other way round. A credit holds its amount from the moment its checks pass
(`transfer_hold_place`); settlement captures the hold as the entry moves the money, a
decline, failure, cancellation or return before settlement releases it. A transfer
returned after it settled is reversed, never edited.
"""

from __future__ import annotations

from banking.models import Transfer
from fintech.events import publish_transaction_event
from ledger.models import JournalEntry, LedgerAccount
from ledger.services.holds import ledger_hold_capture, ledger_hold_place, ledger_hold_release
from ledger.services.journal import (
    PostingLine,
    customer_balance_account_get,
    journal_entry_post,
    journal_entry_reverse,
    ledger_account_get,
)

SETTLED = {Transfer.Status.SETTLED, Transfer.Status.FUNDS_AVAILABLE}
# Ends before the money moved: nothing to post, the hold goes back to the customer.
UNSETTLED_ENDS = {
    Transfer.Status.REFUSED,
    Transfer.Status.DECLINED,
    Transfer.Status.FAILED,
    Transfer.Status.CANCELLED,
    Transfer.Status.RETURNED,
}


def _settlement_key(transfer: Transfer) -> str:
    return f"banking-transfer-{transfer.pk}-settled"


def transfer_hold_reference(transfer: Transfer) -> str:
    return f"banking-transfer-{transfer.pk}"


def transfer_hold_place(*, transfer: Transfer, actor=None) -> None:
    """Hold a payout's amount on the customer's balance; call under the balance account's
    lock, in the transaction that passes the transfer's checks. Money coming in holds nothing."""
    if transfer.direction == Transfer.Direction.CREDIT:
        ledger_hold_place(
            customer=transfer.customer,
            amount=transfer.amount,
            currency=transfer.currency,
            reference=transfer_hold_reference(transfer),
            actor=actor,
            description=f"Bank transfer {transfer.pk} to ••••{transfer.account.mask}",
        )


def transfer_ledger_post(*, transfer: Transfer) -> JournalEntry | None:
    """Call inside the transaction that moved the transfer's status."""
    if transfer.status in SETTLED:
        clearing = ledger_account_get(code=LedgerAccount.BANK_CLEARING, currency=transfer.currency)
        balance = customer_balance_account_get(customer=transfer.customer, currency=transfer.currency)
        sign = 1 if transfer.direction == Transfer.Direction.DEBIT else -1
        entry = journal_entry_post(
            lines=[PostingLine(clearing, sign * transfer.amount), PostingLine(balance, -sign * transfer.amount)],
            description=f"Bank transfer {transfer.pk} settled ({transfer.direction})",
            idempotency_key=_settlement_key(transfer),
        )
        ledger_hold_capture(reference=transfer_hold_reference(transfer))
        # Monitoring sees the transfer with its counterparty: the customer's own linked account
        # (its Plaid account id), so rules can follow money between the wallet and that account.
        publish_transaction_event(
            source="banking",
            kind="transfer",
            reference=f"transfer:{transfer.pk}",
            amount=transfer.amount,
            currency=transfer.currency,
            customer_id=transfer.customer_id,
            occurred_at=transfer.updated_at.isoformat(),
            direction="in" if transfer.direction == Transfer.Direction.DEBIT else "out",
            channel="bank_transfer",
            counterparty_name=transfer.account.name,
            counterparty_account=transfer.account.account_id,
        )
        return entry
    if transfer.status in UNSETTLED_ENDS:
        ledger_hold_release(reference=transfer_hold_reference(transfer))
    if transfer.status == Transfer.Status.RETURNED:
        settled = JournalEntry.objects.filter(idempotency_key=_settlement_key(transfer)).first()
        if settled is not None:
            return journal_entry_reverse(entry=settled, description=f"Bank transfer {transfer.pk} returned")
    return None
