"""Demo payments with their ledger entries, for `manage.py seed_demo`. Idempotent: the
gateway references are fixed, so a second run finds every record and changes nothing.
No gateway is called (the references are made up)."""

from __future__ import annotations

from django.db import transaction

from fintech.money import format_money
from fintech.selectors import customer_by_email
from payments.models import Payment
from payments.models.money_movements import Gateway
from payments.selectors import ledger_balances
from payments.services.payments import payment_refunded_total_apply, payment_transition
from payments.services.payouts import payout_paid, payout_record

# (customer email, amount in minor units, currency, final status, refunded)
DEMO_PAYMENTS = [
    ("alice@example.com", 12_500, "GBP", Payment.Status.SUCCEEDED, 2_500),
    ("bob@example.com", 98_000, "USD", Payment.Status.SUCCEEDED, 0),
    ("carmen@example.com", 4_999, "EUR", Payment.Status.SUCCEEDED, 0),
    ("dmitri@example.com", 250_000, "EUR", Payment.Status.FAILED, 0),
]


@transaction.atomic
def _demo_payment(index: int, email: str, amount: int, currency: str, status: str, refunded: int) -> Payment:
    reference = f"pi_demo_{index:04d}"
    payment = Payment.objects.filter(gateway=Gateway.STRIPE, gateway_reference=reference).first()
    if payment is None:
        payment = Payment.objects.create(
            customer=customer_by_email(email), amount=amount, currency=currency,
            gateway=Gateway.STRIPE, gateway_reference=reference, gateway_charge_reference=f"ch_demo_{index:04d}",
        )
        payment_transition(payment=payment, to=status, reason="demo: card declined")
        if refunded:
            payment_refunded_total_apply(payment=payment, amount_refunded=refunded, refund_references=[])
        payment.refresh_from_db()
    return payment


def seed(out) -> None:
    out.write("Payments (demo, no gateway called):")
    for index, (email, amount, currency, status, refunded) in enumerate(DEMO_PAYMENTS, start=1):
        payment = _demo_payment(index, email, amount, currency, status, refunded)
        out.write(f"  #{payment.pk:<4} {email:<20} {format_money(payment.amount, payment.currency):>14} "
                  f"{payment.status}")
    with transaction.atomic():
        payout = payout_record(gateway=Gateway.STRIPE, reference="po_demo_0001", amount=50_000, currency="USD")
        payout_paid(payout=payout)
    for (code, currency), balance in sorted(ledger_balances().items()):
        out.write(f"  ledger {code:<18} {format_money(balance, currency):>14}")
