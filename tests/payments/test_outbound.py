"""Calls to the gateway: every POST carries an idempotency key derived from our record."""

from __future__ import annotations

import pytest

from fintech.models import AuditEvent
from fintech.money import MoneyError
from payments.errors import GatewayError, StateConflictError
from payments.gateways import gateway_for
from payments.models import Payment, Refund, WebhookDelivery
from payments.services.payments import payment_create, payment_submit
from payments.services.refunds import payment_refund, refund_request, refund_submit
from payments.tasks import apply_webhook_delivery
from tests.factories import CustomerFactory, UserFactory
from tests.payments.conftest import post_event


def _intents(fake) -> list[dict]:
    return [o for o in fake.objects.values() if o["object"] == "payment_intent"]


@pytest.mark.django_db
def test_payment_is_created_at_the_gateway_once_with_a_key_from_our_id(fake_stripe):
    # given
    payment = payment_create(customer=CustomerFactory(), amount=1099, currency="usd")
    # when: submitted, then submitted again (a retried task)
    first = payment_submit(payment=payment)
    second = payment_submit(payment=Payment.objects.get(pk=payment.pk))
    # then
    assert first.gateway_reference == second.gateway_reference
    assert len(_intents(fake_stripe)) == 1
    assert fake_stripe.requests.count(("POST", "/v1/payment_intents", f"payment-{payment.pk}-create")) == 2
    intent = _intents(fake_stripe)[0]
    assert (intent["amount"], intent["currency"], intent["metadata"]) == (1099, "usd", {"payment_id": str(payment.pk)})
    assert first.client_secret.startswith(first.gateway_reference)
    actions = AuditEvent.objects.filter(target_id=str(payment.pk)).values_list("action", flat=True)
    assert sorted(actions) == ["payments.payment.created", "payments.payment.submitted"]


@pytest.mark.django_db
def test_a_crash_after_the_gateway_call_is_recovered_by_the_same_key(fake_stripe):
    payment = payment_create(customer=None, amount=500, currency="EUR")
    # a first attempt reached the gateway but died before saving the reference
    lost = gateway_for("stripe").payment_intent_create(
        amount=500, currency="EUR", idempotency_key=f"payment-{payment.pk}-create", metadata={}
    )
    assert Payment.objects.get(pk=payment.pk).gateway_reference is None
    assert payment_submit(payment=payment).gateway_reference == lost.reference
    assert len(_intents(fake_stripe)) == 1


@pytest.mark.django_db
def test_transient_gateway_errors_are_retried_by_the_sdk_with_the_same_key(fake_stripe):
    payment = payment_create(customer=None, amount=700, currency="GBP")
    fake_stripe.fail_next(1, status=503)
    payment_submit(payment=payment)
    assert len(_intents(fake_stripe)) == 1
    keys = {key for method, path, key in fake_stripe.requests if path == "/v1/payment_intents"}
    assert keys == {f"payment-{payment.pk}-create"}


@pytest.mark.django_db
@pytest.mark.parametrize("amount", [0, -5, True, "10"])
def test_payment_amount_must_be_positive_minor_units(amount):
    with pytest.raises(MoneyError):
        payment_create(customer=None, amount=amount, currency="EUR")
    assert not Payment.objects.exists()


@pytest.fixture
def paid(client, fake_stripe, submitted_payment):
    """A succeeded EUR 25.00 payment, known as such to us through its webhook."""
    payment = submitted_payment(2500, "EUR")
    intent = fake_stripe.payment_intent_set_status(payment.gateway_reference, "succeeded")
    post_event(client, fake_stripe.event("payment_intent.succeeded", intent))
    apply_webhook_delivery(WebhookDelivery.objects.get().pk)
    payment.refresh_from_db()
    return payment


@pytest.mark.django_db
def test_refund_is_requested_submitted_once_and_settled_by_the_webhook(client, fake_stripe, paid):
    operator = UserFactory()
    # when
    refund = payment_refund(payment=paid, amount=1000, reason="customer asked", actor=operator)
    again = refund_submit(refund=refund)  # a retry
    # then: one refund at the gateway, pending here until the gateway reports it
    assert again.gateway_reference == refund.gateway_reference
    gateway_refunds = [o for o in fake_stripe.objects.values() if o["object"] == "refund"]
    assert len(gateway_refunds) == 1
    assert gateway_refunds[0]["metadata"] == {"refund_id": str(refund.pk)}
    assert refund.status == Refund.Status.PENDING
    requested = AuditEvent.objects.get(action="payments.refund.requested", target_id=str(refund.pk))
    assert requested.actor_id == operator.pk
    assert AuditEvent.objects.filter(action="payments.refund.submitted", target_id=str(refund.pk)).count() == 1
    # when the gateway's event arrives
    charge = fake_stripe.objects[paid.gateway_charge_reference]
    post_event(client, fake_stripe.event("charge.refunded", charge))
    assert apply_webhook_delivery(WebhookDelivery.objects.get(event_type="charge.refunded").pk) == "applied"
    refund.refresh_from_db()
    paid.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert paid.amount_refunded == 1000
    assert Refund.objects.count() == 1
    assert AuditEvent.objects.filter(action="payments.refund.succeeded", target_id=str(refund.pk)).count() == 1


@pytest.mark.django_db
def test_refund_without_listed_refunds_in_the_event_settles_our_pending_refund(client, fake_stripe, paid):
    refund = payment_refund(payment=paid, amount=400)
    charge = dict(fake_stripe.objects[paid.gateway_charge_reference])
    charge.pop("refunds")  # newer API versions leave the list out
    post_event(client, fake_stripe.event("charge.refunded", charge))
    apply_webhook_delivery(WebhookDelivery.objects.get(event_type="charge.refunded").pk)
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert Refund.objects.count() == 1


@pytest.mark.django_db
def test_refund_more_than_is_left_is_refused_before_the_gateway(fake_stripe, paid):
    refund_request(payment=paid, amount=2000)
    with pytest.raises(StateConflictError, match="500 EUR left"):
        refund_request(payment=paid, amount=501)
    assert Refund.objects.count() == 1


@pytest.mark.django_db
def test_refund_of_an_unpaid_payment_is_refused(submitted_payment):
    with pytest.raises(StateConflictError):
        refund_request(payment=submitted_payment())
    assert not Refund.objects.exists()


@pytest.mark.django_db
def test_refund_refused_by_the_gateway_is_marked_failed_and_audited(fake_stripe, paid):
    refund = refund_request(payment=paid, amount=100)
    fake_stripe.payment_intent_set_status(paid.gateway_reference, "canceled")  # the gateway will refuse
    with pytest.raises(GatewayError):
        refund_submit(refund=refund)
    refund.refresh_from_db()
    assert refund.status == Refund.Status.FAILED
    assert AuditEvent.objects.get(action="payments.refund.failed", target_id=str(refund.pk)).outcome == "failure"
