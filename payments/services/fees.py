"""Gateway fees: what the gateway keeps of a payment, posted to the ledger once.

Sign convention (the ledger's: a positive posting debits, a negative one credits):
a fee is an expense that the gateway takes out of the money it holds for us, so the
`fees` account is debited (+fee) and `gateway_clearing` credited (-fee), the same
shape as a payout (the debit side debited, clearing credited).
After a payment of A with a fee F, clearing holds A - F: the net the gateway pays out.

The fee is posted in the currency the gateway charged it in. For Stripe that is the
balance transaction's currency, which is not the payment's when the charge was
converted (the exchange rate goes into the audit event); each entry still balances
per currency. For Braintree it is the transaction's (merchant account's) currency.

Once per payment: the entry's key is `gateway-fee-<charge>`, where the charge is the
payment's succeeded charge at the gateway (Stripe `ch_...`, Braintree the sale's id),
of which a payment has exactly one; `payment_fee_record` refuses any other reference.
Reconciliation looks fees up by the same key (and books a missing one with it), so a
fee posted by either path is never posted again by the other, whether it became known
at success (the webhook), later (`charge.updated`) or only in the settlement report.

A dispute has fees too: Stripe takes one when it withdraws the disputed funds and may
give it back (a negative fee) when it reinstates them. Each way's fee is posted once,
keyed `gateway-fee-<dp_...>` (the withdrawal) and `gateway-fee-<dp_...>-reinstated`,
which is how reconciliation finds the fee booked for each of the dispute's two records.
A fee is posted whether or not the funds moved in our ledger (a reinstatement seen
before its withdrawal nets the amounts to nothing, but Stripe still charged the fee).
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from fintech.money import MoneyError, normalise_currency
from fintech.services.audit import audit_event_record
from fintech.truncation import truncate_to_field
from ledger.models import JournalEntry, LedgerAccount
from ledger.services.journal import PostingLine, journal_entry_post, ledger_account_get
from payments.errors import GatewayError, StateConflictError
from payments.models import Dispute, Payment


def fee_entry_key(source_reference: str) -> str:
    """The idempotency key of the fee entry for the gateway charge `source_reference`."""
    return truncate_to_field(JournalEntry, "idempotency_key", f"gateway-fee-{source_reference}")


def dispute_fee_entry_key(dispute_reference: str, *, reinstated: bool) -> str:
    """The idempotency key of the fee entry for a dispute's withdrawal or reinstatement."""
    return fee_entry_key(f"{dispute_reference}-reinstated" if reinstated else dispute_reference)


def _fee_post(*, fee_minor: int, currency: str, description: str, key: str, actor) -> JournalEntry:
    """Fees debited, gateway clearing credited by `fee_minor` (negative: a fee given back)."""
    return journal_entry_post(
        lines=[
            PostingLine(ledger_account_get(code=LedgerAccount.FEES, currency=currency), fee_minor),
            PostingLine(ledger_account_get(code=LedgerAccount.GATEWAY_CLEARING, currency=currency), -fee_minor),
        ],
        description=description,
        idempotency_key=key,
        actor=actor,
    )


def payment_fee_recorded(*, payment: Payment) -> bool:
    """Whether the fee of `payment`'s succeeded charge is already in the ledger."""
    charge = payment.gateway_charge_reference
    return bool(charge) and JournalEntry.objects.filter(idempotency_key=fee_entry_key(charge)).exists()


@transaction.atomic
def payment_fee_record(
    *,
    payment: Payment,
    fee_minor: int,
    currency: str,
    source_reference: str,
    exchange_rate: Decimal | None = None,
    actor=None,
) -> JournalEntry | None:
    """Post the gateway's fee for `payment` (fees debited, gateway clearing credited), once.

    `source_reference` is the payment's succeeded charge (see the module docstring).
    Idempotent: a second call, concurrent or later, with any fee, returns the entry
    already posted and writes nothing (the unique key decides, under the payment's row
    lock). A zero fee posts nothing and returns None. Audited with the payment as target.
    """
    if not isinstance(fee_minor, int) or isinstance(fee_minor, bool) or fee_minor < 0:
        raise MoneyError(f"a fee is a non-negative int of minor units, not {fee_minor!r}")
    currency = normalise_currency(currency)
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if locked.status != Payment.Status.SUCCEEDED:
        raise StateConflictError(f"payment {locked.pk} is {locked.status}: only a succeeded payment has a fee")
    if not source_reference or source_reference != locked.gateway_charge_reference:
        raise GatewayError(
            f"fee for {source_reference!r}, but payment {locked.pk}'s charge is {locked.gateway_charge_reference!r}"
        )
    key = fee_entry_key(source_reference)
    existing = JournalEntry.objects.filter(idempotency_key=key).first()
    if existing is not None or fee_minor == 0:
        return existing
    description = f"Payment #{locked.pk} gateway fee ({source_reference})"
    entry = _fee_post(fee_minor=fee_minor, currency=currency, description=description, key=key, actor=actor)
    if entry.description != description:  # a reconciliation adjustment booked it a moment ago
        return entry
    audit_event_record(
        action="payments.payment.fee_recorded",
        actor=actor,
        target=locked,
        after={
            "fee": fee_minor,
            "currency": currency,
            "source_reference": source_reference,
            "exchange_rate": None if exchange_rate is None else str(exchange_rate),
            "entry": entry.pk,
        },
    )
    return entry


@transaction.atomic
def dispute_fee_record(*, dispute: Dispute, fee_minor: int, currency: str, reinstated: bool, actor=None) -> bool:
    """Post the fee the gateway took (positive) or gave back (negative) when it withdrew
    (or, `reinstated`, gave back) a dispute's funds: fees debited, clearing credited by
    `fee_minor`. Once per dispute and way, under the dispute's row lock: whether this
    call posted it (a second call, or a zero fee, writes nothing)."""
    if not isinstance(fee_minor, int) or isinstance(fee_minor, bool):
        raise MoneyError(f"a fee is an int of minor units, not {fee_minor!r}")
    currency = normalise_currency(currency)
    locked = Dispute.objects.select_for_update().get(pk=dispute.pk)
    key = dispute_fee_entry_key(locked.gateway_reference, reinstated=reinstated)
    if fee_minor == 0 or JournalEntry.objects.filter(idempotency_key=key).exists():
        return False
    way = "reinstated" if reinstated else "withdrawn"
    description = f"Dispute {locked.gateway_reference} gateway fee (funds {way})"
    entry = _fee_post(fee_minor=fee_minor, currency=currency, description=description, key=key, actor=actor)
    if entry.description != description:  # a reconciliation adjustment booked it a moment ago
        return False
    audit_event_record(
        action="payments.dispute.fee_recorded",
        actor=actor,
        target=locked,
        after={"fee": fee_minor, "currency": currency, "funds": way, "entry": entry.pk},
    )
    return True
