"""Signing Braintree webhooks for real (the SDK's `webhook_testing.sample_notification`)
with the fake gateway's keys, and posting them as Braintree would."""

from __future__ import annotations

import braintree

from payments.models import Payment, WebhookDelivery
from payments.services.braintree_payments import braintree_sale_submit
from payments.services.payments import payment_create
from sandbox import braintree_server as fake
from tests.factories import CustomerFactory

URL = "/webhooks/braintree/"


def sdk_gateway(private_key: str = fake.PRIVATE_KEY) -> braintree.BraintreeGateway:
    return braintree.BraintreeGateway(
        braintree.Configuration(
            environment=braintree.Environment.Development,
            merchant_id=fake.MERCHANT_ID,
            public_key=fake.PUBLIC_KEY,
            private_key=private_key,
        )
    )


def sample(kind: str, subject_id: str, **kwargs) -> dict[str, str]:
    signed = sdk_gateway(**kwargs).webhook_testing.sample_notification(kind, subject_id)
    return {"bt_signature": signed["bt_signature"], "bt_payload": signed["bt_payload"].decode("ascii")}


def post_notification(client, form: dict[str, str]):
    return client.post(URL, data=form)


def deliver(client, kind: str, subject_id: str) -> str:
    """Post a signed notification, then run the task body for it."""
    from payments.tasks import apply_webhook_delivery

    response = post_notification(client, sample(kind, subject_id))
    assert response.status_code == 200, response.content
    return apply_webhook_delivery(response.json()["delivery"])


def submitted_braintree_payment(fake_braintree, amount: int = 2500, currency: str = "EUR") -> Payment:
    """A customer's payment whose sale the fake gateway has (submitted for settlement)."""
    payment = payment_create(customer=CustomerFactory(), amount=amount, currency=currency, gateway="braintree")
    braintree_sale_submit(payment_id=payment.pk, nonce=fake_braintree.nonce("paypal"))
    payment.refresh_from_db()
    return payment


def delivery_statuses() -> list[str]:
    return sorted(WebhookDelivery.objects.values_list("status", flat=True))
