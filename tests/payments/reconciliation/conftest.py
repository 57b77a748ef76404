"""Ledger state made through the real payment services, and settlement files to match it."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from pathlib import Path

import pytest
from django.utils import timezone

from payments.models import Dispute, Payment, Payout
from payments.services.disputes import dispute_funds_withdrawn, dispute_record
from payments.services.payments import payment_create, payment_refunded_total_apply, payment_transition
from payments.services.payouts import payout_paid, payout_record

_seq = itertools.count(1)

HEADER = [
    "gateway",
    "reference",
    "type",
    "amount",
    "fee",
    "net",
    "currency",
    "settled_at",
    "payout_reference",
    "exchange_rate",
    "record_id",
]


def today() -> dt.date:
    return timezone.now().astimezone(dt.UTC).date()


def period() -> tuple[dt.date, dt.date]:
    """Yesterday to tomorrow (UTC), so that 'now' is inside it whatever the hour."""
    return today() - dt.timedelta(days=1), today() + dt.timedelta(days=2)


def paid(amount: int, currency: str = "EUR", *, gateway: str = "stripe", intent: str = "", charge: str = "") -> Payment:
    """A succeeded payment posted to the ledger (Dr gateway_clearing / Cr customer_balances)."""
    n = next(_seq)
    payment = payment_create(customer=None, amount=amount, currency=currency)
    Payment.objects.filter(pk=payment.pk).update(gateway=gateway, gateway_reference=intent or f"pi_test{n}")
    assert payment_transition(payment=payment, to=Payment.Status.SUCCEEDED, charge_reference=charge or f"ch_test{n}")
    payment.refresh_from_db()
    return payment


def refunded(payment: Payment, amount: int, reference: str) -> None:
    payment_refunded_total_apply(
        payment=payment, amount_refunded=payment.amount_refunded + amount, refund_references=[(reference, amount, "")]
    )


def disputed(payment: Payment, reference: str) -> Dispute:
    dispute, _ = dispute_record(
        gateway=payment.gateway,
        reference=reference,
        payment=payment,
        amount=payment.amount,
        currency=payment.currency,
        status="needs_response",
        reason="fraudulent",
    )
    assert dispute_funds_withdrawn(dispute=dispute)
    return dispute


def paid_out(reference: str, amount: int, currency: str = "EUR", gateway: str = "stripe") -> Payout:
    payout = payout_record(gateway=gateway, reference=reference, amount=amount, currency=currency)
    assert payout_paid(payout=payout)
    return payout


def row(
    reference: str,
    type_: str,
    amount: str,
    currency: str = "EUR",
    *,
    fee: str = "0.00",
    net: str | None = None,
    settled_at: str | None = None,
    payout: str = "",
    rate: str = "",
    record_id: str = "",
    gateway: str = "stripe",
) -> dict:
    from decimal import Decimal

    net = net if net is not None else str(Decimal(amount) - Decimal(fee))
    return {
        "gateway": gateway,
        "reference": reference,
        "type": type_,
        "amount": amount,
        "fee": fee,
        "net": net,
        "currency": currency,
        "settled_at": settled_at or timezone.now().isoformat(),
        "payout_reference": payout,
        "exchange_rate": rate,
        "record_id": record_id,
    }


@pytest.fixture
def settlement_file(tmp_path):
    def write(rows: list[dict], name: str = "settlement.csv") -> Path:
        path = tmp_path / name
        with path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=HEADER)
            writer.writeheader()
            writer.writerows(rows)
        return path

    return write
