"""Issue #18 item 5: without gateway keys the checkout says payments are not configured, and
a payment whose submission fails for good ends failed with its reason, never pending."""

from __future__ import annotations

import pytest

from fintech.models import AuditEvent
from payments.errors import GatewayError, GatewayUnavailableError, PaymentsNotConfiguredError
from payments.models import Payment
from payments.services.payments import payment_create, payment_submit, payment_submit_pending
from payments.tasks import submit_payment
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
GATEWAY_KEYS = (
    "STRIPE_API_KEY",
    "STRIPE_PUBLISHABLE_KEY",
    "BRAINTREE_MERCHANT_ID",
    "BRAINTREE_PUBLIC_KEY",
    "BRAINTREE_PRIVATE_KEY",
)


@pytest.fixture
def no_gateway_keys(settings):
    for name in GATEWAY_KEYS:
        setattr(settings, name, "")


@pytest.fixture
def customer(client):
    customer = CustomerFactory()
    client.force_login(customer.user)
    return customer


def _failed_audit(payment: Payment) -> AuditEvent:
    return AuditEvent.objects.get(action="payments.payment.failed", target_id=str(payment.pk))


def test_checkout_without_keys_says_payments_are_not_configured(client, customer, no_gateway_keys):
    page = client.get("/payments/checkout/")
    body = page.content.decode()
    assert page.status_code == 503
    assert "Payments are not configured" in body and "try again in a few minutes" not in body
    # a posted choice is refused the same way, and nothing is created
    posted = client.post("/payments/checkout/", {"amount": "12.50", "currency": "EUR", "provider": "stripe"})
    assert posted.status_code == 503 and "Payments are not configured" in posted.content.decode()
    assert not Payment.objects.exists()


def test_a_provider_without_keys_is_not_configured_even_if_another_is(
    client, customer, fake_braintree, no_gateway_keys, settings
):
    from sandbox import braintree_server as fake

    settings.BRAINTREE_MERCHANT_ID = fake.MERCHANT_ID
    settings.BRAINTREE_PUBLIC_KEY, settings.BRAINTREE_PRIVATE_KEY = fake.PUBLIC_KEY, fake.PRIVATE_KEY
    assert client.get("/payments/checkout/").status_code == 200
    posted = client.post("/payments/checkout/", {"amount": "12.50", "currency": "EUR", "provider": "stripe"})
    assert posted.status_code == 503 and "Payments are not configured" in posted.content.decode()
    assert not Payment.objects.exists()


def test_a_submission_without_keys_fails_the_payment_with_its_reason(no_gateway_keys):
    payment = payment_create(customer=CustomerFactory(), amount=1250, currency="EUR")
    with pytest.raises(PaymentsNotConfiguredError):
        payment_submit_pending(payment_id=payment.pk)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert payment.failure_reason == "payments are not configured: STRIPE_API_KEY not set"
    assert _failed_audit(payment).after["failure_reason"] == payment.failure_reason
    # and the beat that resends lost submissions leaves it alone: it is no longer pending
    assert payment_submit_pending(payment_id=payment.pk) == "nothing to do"


def test_a_refusal_at_checkout_fails_the_payment_and_says_so(client, customer, fake_stripe):
    fake_stripe.fail_next(1, status=400)
    response = client.post("/payments/checkout/", {"amount": "12.50", "currency": "EUR", "provider": "stripe"})
    payment = Payment.objects.get()
    body = response.content.decode()
    assert response.status_code == 502
    assert "could not be made" in body and "try again in a few minutes" not in body and f"#{payment.pk}" in body
    assert payment.status == Payment.Status.FAILED and payment.failure_reason.startswith("stripe refused")
    assert _failed_audit(payment).actor == customer.user


def test_an_unreachable_gateway_at_checkout_fails_the_payment_the_customer_may_retry(client, customer, fake_stripe):
    fake_stripe.fail_next(3, status=503)  # the SDK's own two retries fail too
    response = client.post("/payments/checkout/", {"amount": "12.50", "currency": "EUR", "provider": "stripe"})
    payment = Payment.objects.get()
    assert response.status_code == 503 and "try again in a few minutes" in response.content.decode()
    assert payment.status == Payment.Status.FAILED and payment.failure_reason.startswith("stripe")
    assert _failed_audit(payment)


def test_a_transient_failure_before_the_last_try_leaves_the_payment_pending_for_the_retry(fake_stripe):
    payment = payment_create(customer=None, amount=700, currency="GBP")
    fake_stripe.fail_next(3, status=503)
    with pytest.raises(GatewayUnavailableError):
        payment_submit(payment=payment, last_attempt=False)
    payment.refresh_from_db()
    assert (payment.status, payment.failure_reason) == (Payment.Status.PENDING, "")
    assert not AuditEvent.objects.filter(action="payments.payment.failed").exists()


def test_the_submit_task_fails_the_payment_when_its_retries_are_spent(fake_stripe):
    payment = payment_create(customer=None, amount=700, currency="GBP")
    fake_stripe.fail_next(3, status=503)
    # the task's last try, as Celery runs it once the retries are spent
    with pytest.raises(GatewayUnavailableError):
        submit_payment.apply(args=[payment.pk], retries=submit_payment.max_retries, throw=True)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED and payment.failure_reason.startswith("stripe")
    assert _failed_audit(payment)


def test_a_refusal_by_the_gateway_is_not_retried_and_fails_the_payment(fake_stripe):
    payment = payment_create(customer=None, amount=700, currency="GBP")
    fake_stripe.fail_next(1, status=400)
    with pytest.raises(GatewayError):
        payment_submit_pending(payment_id=payment.pk, last_attempt=False)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED and payment.failure_reason.startswith("stripe refused")
