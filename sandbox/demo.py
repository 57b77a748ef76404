"""The demo scenario `seed_demo` drives through the real paths, against the sandbox, so
that every screen an officer or a payments operator opens has something to work on:
card payments that succeed, are declined, refunded and disputed (Stripe's test cards); a
PayPal sale settled by Braintree; a charge taken on Stripe's dashboard that the shop never
saw (a reconciliation exception); a bank linked through Link, its transactions synced and
a withdrawal settled; a joint account whose co-owner is on the OFAC list (a screening hit,
and the transfer refused); a payout; reconciliation of the day; the AML stream decided.

Runs once: with the scenario's payments in the database, a second run only prints. The
sandbox runs in process on free ports while it plays (no web server is up yet), its
webhooks delivered through the real endpoints (sandbox/in_process.py), and its state is
saved to var/sandbox/ for `python -m sandbox` to serve afterwards."""

from __future__ import annotations

import contextlib
import shutil

from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from sandbox import env
from sandbox.in_process import deliver_in_process
from sandbox.run import Sandbox
from sandbox.stripe_server import StripeApiError

SANCTIONED_CO_OWNER = "Abbud AL-ZUMAR"  # OFAC SDN list (SDGT), in compliance/demo_data/ofac_sdn
CARD_PAYMENTS = [  # customer, amount in minor units, currency, Stripe test card
    ("alice@example.com", 12_500, "GBP", "4242424242424242"),
    ("bob@example.com", 98_000, "USD", "4242424242424242"),
    ("carmen@example.com", 4_999, "EUR", "4000000000000259"),
    ("dmitri@example.com", 250_000, "EUR", "4000000000000002"),
]


@contextlib.contextmanager
def _pointed_at(box: Sandbox):
    """The SDKs talk to the in-process sandbox while the scenario plays."""
    with override_settings(**box.settings()):
        yield


def _card_payment(box: Sandbox, customer, amount: int, currency: str, card: str):
    from payments.services.payments import payment_create, payment_submit

    payment = payment_submit(payment=payment_create(customer=customer, amount=amount, currency=currency))
    with contextlib.suppress(StripeApiError):  # a declined card: the webhook says so
        box.stripe.confirm(payment.gateway_reference, card)
    box.poster.drain(deliver_in_process)
    payment.refresh_from_db()
    return payment


def _payments(box: Sandbox, customers: dict) -> None:
    import stripe

    from payments.services.braintree_payments import braintree_payment_request, braintree_sale_submit
    from payments.services.refunds import payment_refund

    paid = {
        email: _card_payment(box, customers[email], amount, currency, card)
        for email, amount, currency, card in CARD_PAYMENTS
    }
    payment_refund(payment=paid["alice@example.com"], amount=2_500, reason="demo: one item returned")
    box.poster.drain(deliver_in_process)
    sale = braintree_payment_request(
        customer=customers["eve@example.com"], amount=6_000, currency="USD", nonce="fake-paypal-billing-agreement-nonce"
    )
    braintree_sale_submit(payment_id=sale.pk, nonce="fake-paypal-billing-agreement-nonce")
    box.poster.drain(deliver_in_process)
    # Someone took a card payment on Stripe's dashboard: the shop never asked for it.
    client = stripe.StripeClient(settings.STRIPE_API_KEY, base_addresses={"api": settings.STRIPE_API_BASE})
    intent = client.v1.payment_intents.create(params={"amount": 7_700, "currency": "gbp"})
    box.stripe.confirm(intent.id, "4242424242424242")
    box.stripe.payout_pay("gbp")
    box.poster.drain(deliver_in_process)


def _banking(box: Sandbox, customers: dict) -> None:
    from banking.errors import TransferRefusedError
    from banking.models import Transfer
    from banking.services.items import item_link_exchange
    from banking.services.sync import item_transactions_sync
    from banking.services.transfers import transfer_events_sync, transfer_initiate

    def link(email: str, institution_id: str, **names) -> object:
        customer = customers[email]
        linked = box.plaid.link_complete({"institution_id": institution_id, "owner_name": customer.legal_name, **names})
        item = item_link_exchange(
            customer_id=customer.pk, public_token=linked["public_token"], link_institution_id=institution_id
        )
        box.poster.drain(deliver_in_process)  # Plaid: the item's transactions are ready
        item_transactions_sync(item_id=item.pk)  # what the webhook's sync task does
        return item.accounts.order_by("pk").first()

    bob = customers["bob@example.com"]
    account = link("bob@example.com", "ins_109512")
    transfer_initiate(
        customer=bob,
        account=account,
        direction=Transfer.Direction.CREDIT,
        amount=20_000,
        currency="USD",
        idempotency_key="demo-bob-withdrawal",
        description="Withdrawal",
    )
    box.poster.drain(deliver_in_process)  # Plaid: transfer events to sync
    transfer_events_sync()  # what the webhook's sync task does
    eve = customers["eve@example.com"]
    joint = link("eve@example.com", "ins_109508", joint_owner_name=SANCTIONED_CO_OWNER)
    with contextlib.suppress(TransferRefusedError):  # the co-owner's screening hit blocks it
        transfer_initiate(
            customer=eve,
            account=joint,
            direction=Transfer.Direction.DEBIT,
            amount=50_000,
            currency="USD",
            idempotency_key="demo-eve-top-up",
            description="Top up",
        )


def _reconcile() -> None:
    from payments.reconciliation.runs import reconciliation_run_execute, reconciliation_run_request

    today = timezone.now().date()
    for gateway in ("stripe", "braintree"):
        run = reconciliation_run_request(gateway=gateway, period_start=today, source="seed_demo", enqueue=False)
        reconciliation_run_execute(run_id=run.pk)


def _aml_stream() -> None:
    """What the outbox relay and the AML consumer do, once over what the scenario recorded,
    so the officer's lists are full when `make run` prints where to start. The relay's tasks
    go to the broker for the worker that starts next; they find their work already done."""
    from compliance.monitoring.stream import EventStream
    from fintech.outbox.relay import outbox_relay_once

    outbox_relay_once()

    stream = EventStream.from_url(settings.REDIS_URL)
    stream.ensure_group()
    while stream.consume_once("seed_demo", block_ms=100):
        pass


def _played() -> bool:
    from payments.models import Payment

    return Payment.objects.filter(gateway_reference__startswith="pi_").exists()


def seed(out) -> None:
    from fintech.selectors import customer_by_email

    state_dir = settings.VAR_DIR / "sandbox"
    if not _played():
        # The sandbox's history belongs with this database's ledger: a new database, a new sandbox.
        shutil.rmtree(state_dir, ignore_errors=True)
        box = Sandbox(state_dir=state_dir, threaded=False, ports=(0, 0, 0)).start()
        try:
            with _pointed_at(box):
                customers = {
                    email: customer_by_email(email)
                    for email in (
                        "alice@example.com",
                        "bob@example.com",
                        "carmen@example.com",
                        "dmitri@example.com",
                        "eve@example.com",
                    )
                }
                _payments(box, customers)
                _banking(box, customers)
                _reconcile()
                _aml_stream()
        finally:
            box.stop()
    _summary(out)


def _summary(out) -> None:
    from banking.models import Transfer
    from compliance.cases.models import Case
    from compliance.monitoring.models import Alert
    from compliance.screening.models import ScreeningHit
    from fintech.money import format_money
    from ledger.selectors import ledger_balances
    from payments.models import Payment, ReconciliationItem, WebhookDelivery

    out.write(
        "Sandbox scenario (Stripe, Braintree and Plaid sandboxes; `make run` serves them on "
        f"{env.STRIPE_URL}, {env.BRAINTREE_URL}, {env.PLAID_URL}):"
    )
    for payment in Payment.objects.select_related("customer").order_by("pk"):
        amount = format_money(payment.amount, payment.currency)
        out.write(
            f"  payment #{payment.pk:<4} {payment.gateway:<9} {amount:>14} {payment.status:<10} "
            f"{payment.failure_reason}"
        )
    for transfer in Transfer.objects.order_by("pk"):
        out.write(
            f"  transfer #{transfer.pk:<3} {transfer.direction:<7} "
            f"{format_money(transfer.amount, transfer.currency):>14} {transfer.status}"
        )
    for (code, currency), balance in sorted(ledger_balances().items()):
        out.write(f"  ledger {code:<18} {format_money(balance, currency):>14}")
    exceptions = ReconciliationItem.objects.exclude(classification="matched").count()
    out.write(
        f"  webhook deliveries {WebhookDelivery.objects.count()}, reconciliation exceptions {exceptions}, "
        f"alerts {Alert.objects.count()}, cases {Case.objects.count()}, "
        f"screening hits {ScreeningHit.objects.count()}"
    )
    out.write(
        "Where to start: sign in to http://127.0.0.1:8000/admin/ as `officer` (Compliance > Cases, "
        "Alerts, Screening hits) or `payops` (Payments > Reconciliation exceptions, Webhook deliveries, "
        "Ledger). As a customer, pay at http://127.0.0.1:8000/payments/checkout/ with card "
        "4242 4242 4242 4242 (or 4000 0000 0000 0002 to be declined, 4000 0000 0000 0259 to be disputed)."
    )
