"""Where gateway records come from: one small interface, three sources.

A source yields `SettlementRecord`s for a period (UTC days, end exclusive) lazily, so
a run never holds a whole period in memory. Amounts are int minor units signed as the
movement affects the money held at the gateway (see `payments.models.reconciliation`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Protocol

from payments.gateways import gateway_for


@dataclass(frozen=True, slots=True)
class SettlementRecord:
    record_id: str  # the gateway's id of the record (txn_..., po_...), or file:line
    reference: str  # what it is about: ch_/pi_/re_/dp_/po_... or a Braintree transaction id; may be ""
    type: str  # charge, refund, adjustment (dispute), payout, or the gateway's own word
    amount: int
    fee: int
    net: int
    currency: str
    settled_at: dt.datetime  # aware
    payout_reference: str = ""
    exchange_rate: Decimal | None = None
    members_net: int | None = None  # a payout: sum of the nets of what it paid out, when the gateway says
    line: int | None = None


class RecordSource(Protocol):
    gateway: str
    name: str

    def records(self, *, start: dt.date, end: dt.date) -> Iterator[SettlementRecord]: ...


def _unix(day: dt.date) -> int:
    return int(dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC).timestamp())


def _at(unix: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(unix, tz=dt.UTC)


# Stripe's balance transaction types -> ours (others keep Stripe's word and match nothing).
STRIPE_TYPES = {
    "charge": "charge",
    "payment": "charge",
    "refund": "refund",
    "payment_refund": "refund",
    "adjustment": "adjustment",
    "payout": "payout",
}


class StripeSource:
    """Balance transactions and payouts created in the period, through the SDK.

    Payout records come from the payouts list (their own balance transactions are
    skipped, or every payout would count twice); each payout's members are listed
    (`?payout=`) for the sum of their nets and to tag the period's records with it.
    """

    gateway = "stripe"
    name = "api"

    def __init__(self, page_size: int = 100):
        self.page_size = page_size

    def records(self, *, start: dt.date, end: dt.date) -> Iterator[SettlementRecord]:
        stripe = gateway_for("stripe")
        gte, lt = _unix(start), _unix(end)
        paid_by: dict[str, str] = {}
        for payout in stripe.payouts_list(created_gte=gte, created_lt=lt, page_size=self.page_size):
            members = 0
            for txn in stripe.balance_transactions_list(
                created_gte=0, created_lt=0, payout=payout.reference, page_size=self.page_size
            ):
                if txn.type != "payout":
                    members += txn.net
                    paid_by[txn.reference] = payout.reference
            yield SettlementRecord(
                record_id=payout.reference,
                reference=payout.reference,
                type="payout",
                amount=-payout.amount,
                fee=0,
                net=-payout.amount,
                currency=payout.currency,
                settled_at=_at(payout.created),
                members_net=members,
            )
        for txn in stripe.balance_transactions_list(created_gte=gte, created_lt=lt, page_size=self.page_size):
            if txn.type == "payout":
                continue
            yield SettlementRecord(
                record_id=txn.reference,
                reference=txn.source,
                type=STRIPE_TYPES.get(txn.type, txn.type),
                amount=txn.amount,
                fee=txn.fee,
                net=txn.net,
                currency=txn.currency,
                settled_at=_at(txn.created),
                payout_reference=paid_by.get(txn.reference, ""),
                exchange_rate=txn.exchange_rate,
            )


class BraintreeSource:
    """Transactions settled in the period, searched by settlement date through the SDK
    (`settled_transactions` of the Braintree adapter, whose end day is inclusive)."""

    gateway = "braintree"
    name = "api"

    def records(self, *, start: dt.date, end: dt.date) -> Iterator[SettlementRecord]:
        for txn in gateway_for("braintree").settled_transactions(start, end - dt.timedelta(days=1)):
            sign = -1 if txn.type == "credit" else 1
            fee = txn.service_fee or 0
            yield SettlementRecord(
                record_id=txn.reference,
                reference=txn.reference,
                type="refund" if sign < 0 else "charge",
                amount=sign * txn.amount,
                fee=fee,
                net=sign * txn.amount - fee,
                currency=txn.currency,
                settled_at=txn.settled_at,
            )


class SettlementFileSource:
    """A settlement report file (see `csv_format`); rows must name the run's gateway."""

    def __init__(self, path: Path | str, gateway: str):
        self.path, self.gateway = Path(path), gateway
        self.name = f"file:{self.path.name}"

    def records(self, *, start: dt.date, end: dt.date) -> Iterator[SettlementRecord]:
        from payments.reconciliation.csv_format import settlement_file_read

        yield from settlement_file_read(path=self.path, gateway=self.gateway, start=start, end=end)

    def stage(self, *, run_id: int, attempt: int, start: dt.date, end: dt.date) -> int:
        """Stage the whole file in the caller's transaction: set-wise in PostgreSQL when
        the file allows (`csv_sql`), else row by row. A bad row rejects the file."""
        from payments.reconciliation.csv_sql import settlement_file_stage
        from payments.reconciliation.staging import records_copy

        staged = settlement_file_stage(
            path=self.path, gateway=self.gateway, start=start, end=end, run_id=run_id, attempt=attempt
        )
        if staged is None:
            staged = records_copy(run_id=run_id, attempt=attempt, records=self.records(start=start, end=end))
        return staged


API_SOURCES = {"stripe": StripeSource, "braintree": BraintreeSource}


def api_source_for(gateway: str) -> RecordSource:
    try:
        return API_SOURCES[gateway]()
    except KeyError:
        raise LookupError(f"no API source for gateway {gateway!r}; use a settlement file") from None
