from __future__ import annotations

import json
import time

import pytest
import stripe
from celery.result import allow_join_result

from config.celery import app as celery_app
from payments.models import Payment, WebhookDelivery
from payments.services.payments import payment_create, payment_submit
from payments.tasks import apply_webhook_delivery
from sandbox.braintree_server import FakeBraintreeServer
from sandbox.stripe_server import FakeStripeServer
from tests.factories import CustomerFactory
from tests.helpers import settings_set_from_env

WEBHOOK_SECRETS = ("whsec_old_secret", "whsec_new_secret")


@pytest.fixture
def fake_stripe(settings, monkeypatch):
    """The fake Stripe API, with the adapter configured to talk to it through the real SDK."""
    server = FakeStripeServer().start()
    settings_set_from_env(
        settings,
        monkeypatch,
        {
            "STRIPE_API_BASE": server.url,
            "STRIPE_API_KEY": "sk_test_fake",
            "STRIPE_PUBLISHABLE_KEY": "pk_test_fake",
        },
    )
    yield server
    server.stop()


@pytest.fixture
def fake_braintree(settings, monkeypatch):
    """The fake Braintree gateway, with the adapter configured to talk to it through the real SDK
    (USD and EUR merchant accounts)."""
    from sandbox import braintree_server as fake

    server = FakeBraintreeServer(merchant_accounts={"fake_usd": "USD", "fake_eur": "EUR"}).start()
    settings_set_from_env(
        settings,
        monkeypatch,
        {
            "BRAINTREE_API_URL": server.url,
            "BRAINTREE_ENVIRONMENT": "development",
            "BRAINTREE_MERCHANT_ID": fake.MERCHANT_ID,
            "BRAINTREE_PUBLIC_KEY": fake.PUBLIC_KEY,
            "BRAINTREE_PRIVATE_KEY": fake.PRIVATE_KEY,
            "BRAINTREE_MERCHANT_ACCOUNTS": "USD=fake_usd,EUR=fake_eur",
        },
    )
    yield server
    server.stop()


@pytest.fixture
def eager_tasks():
    """Explicitly, for one test: a task the outbox relay sends (the `relay` fixture) runs
    in the relay's thread, instead of going to a broker."""
    conf = celery_app.conf
    previous = {"task_always_eager": conf.task_always_eager, "task_eager_propagates": conf.task_eager_propagates}
    conf.update(task_always_eager=True, task_eager_propagates=True)
    # An eager task runs under Celery's process-wide "inside a task" flag, saved and
    # restored around each one; tests that race requests from several threads run eager
    # tasks concurrently, and the interleaved restores can leave it set for the next
    # tests ("Never call result.get() within a task"). `allow_join_result` puts back the
    # value this fixture started with.
    with allow_join_result():
        yield
    conf.update(**previous)


@pytest.fixture(autouse=True)
def webhook_secrets(settings, monkeypatch):
    settings_set_from_env(settings, monkeypatch, {"STRIPE_WEBHOOK_SECRETS": ",".join(WEBHOOK_SECRETS)})
    return WEBHOOK_SECRETS


def signed_headers(body: str, *, secret: str = WEBHOOK_SECRETS[0], timestamp: int | None = None) -> dict:
    header = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=timestamp)
    return {"HTTP_STRIPE_SIGNATURE": header}


def post_event(client, event: dict, **sign):
    body = json.dumps(event)
    return client.post("/webhooks/stripe/", data=body, content_type="application/json", **signed_headers(body, **sign))


def deliver(client, event: dict) -> str:
    """Post the signed event as Stripe would, then run the task body for it."""
    assert post_event(client, event).status_code == 200
    return apply_webhook_delivery(WebhookDelivery.objects.get(event_key=event["id"]).pk)


@pytest.fixture
def submitted_payment(fake_stripe):
    """A pending EUR 25.00 payment whose PaymentIntent exists at the fake gateway."""

    def make(amount: int = 2500, currency: str = "EUR") -> Payment:
        payment = payment_create(customer=CustomerFactory(), amount=amount, currency=currency)
        return payment_submit(payment=payment)

    return make


@pytest.fixture
def paid_payment(client, fake_stripe, submitted_payment) -> Payment:
    """A EUR 25.00 payment that succeeded through its webhook (no fee reported yet)."""
    payment = submitted_payment(2500, "EUR")
    intent = fake_stripe.payment_intent_set_status(payment.gateway_reference, "succeeded")
    assert deliver(client, fake_stripe.event("payment_intent.succeeded", intent)) == "applied"
    payment.refresh_from_db()
    return payment


def now() -> int:
    return int(time.time())
