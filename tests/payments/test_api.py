from __future__ import annotations

import datetime

import pytest
from freezegun import freeze_time
from rest_framework.test import APIClient

from fintech import roles
from fintech.models import AuditEvent
from payments.models import Refund, WebhookDelivery
from payments.tasks import apply_webhook_delivery
from tests.factories import make_staff
from tests.helpers import api_client_for, current_totp
from tests.payments.conftest import post_event


def _api(user) -> APIClient:
    return api_client_for(user)


@pytest.fixture
def paid(client, fake_stripe, submitted_payment):
    payment = submitted_payment(2500, "EUR")
    intent = fake_stripe.payment_intent_set_status(payment.gateway_reference, "succeeded")
    post_event(client, fake_stripe.event("payment_intent.succeeded", intent))
    apply_webhook_delivery(WebhookDelivery.objects.get().pk)
    payment.refresh_from_db()
    return payment


@pytest.mark.django_db
def test_customer_sees_only_their_own_payments(paid, submitted_payment):
    other = submitted_payment(100, "USD")
    body = _api(paid.customer.user).get("/api/v1/payments/").json()
    assert [p["id"] for p in body["results"]] == [paid.pk]
    assert body["results"][0]["amount"] == 2500
    assert _api(paid.customer.user).get(f"/api/v1/payments/{other.pk}/").status_code == 404


@pytest.mark.django_db
def test_payments_operations_see_all_and_refund_once_per_key(paid, submitted_payment):
    submitted_payment(100, "USD")
    operator, device = make_staff("payops", roles.PAYMENTS_OPERATIONS)
    api = _api(operator)
    assert len(api.get("/api/v1/payments/").json()["results"]) == 2
    # when: the same refund request twice (a client retry; each with its own code)
    request = {"amount": 1000, "reason": "goodwill", "idempotency_key": "ticket-42"}
    url = f"/api/v1/payments/{paid.pk}/refunds/"
    first = api.post(url, request, format="json", HTTP_X_OTP_CODE=current_totp(device))
    with freeze_time(datetime.timedelta(seconds=device.step), tick=True):
        second = api.post(url, request, format="json", HTTP_X_OTP_CODE=current_totp(device))
    # then
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert Refund.objects.count() == 1
    assert AuditEvent.objects.get(action="payments.refund.requested").actor_id == operator.pk


@pytest.mark.django_db
@pytest.mark.parametrize("amount", [10.0, "10", True, 0, -1])
def test_refund_amount_must_be_a_positive_json_integer(paid, amount):
    operator, device = make_staff("payops", roles.PAYMENTS_OPERATIONS)
    response = _api(operator).post(
        f"/api/v1/payments/{paid.pk}/refunds/",
        {"amount": amount, "idempotency_key": "k"},
        format="json",
        HTTP_X_OTP_CODE=current_totp(device),
    )
    assert response.status_code == 400
    assert not Refund.objects.exists()


@pytest.mark.django_db
def test_refund_beyond_what_is_left_is_a_409(paid):
    operator, device = make_staff("payops", roles.PAYMENTS_OPERATIONS)
    response = _api(operator).post(
        f"/api/v1/payments/{paid.pk}/refunds/",
        {"amount": 2501, "idempotency_key": "k"},
        format="json",
        HTTP_X_OTP_CODE=current_totp(device),
    )
    assert response.status_code == 409
    assert response.json()["error"] == "conflict"


@pytest.mark.django_db
@pytest.mark.parametrize("role", [roles.ANALYST, roles.COMPLIANCE_OFFICER])
def test_refund_needs_the_refund_permission(paid, role):
    staff, _ = make_staff("staff", role)
    response = _api(staff).post(f"/api/v1/payments/{paid.pk}/refunds/", {"idempotency_key": "k"}, format="json")
    assert response.status_code == 403
    assert not Refund.objects.exists()


@pytest.mark.django_db
def test_customer_cannot_refund_their_own_payment(paid):
    response = _api(paid.customer.user).post(
        f"/api/v1/payments/{paid.pk}/refunds/", {"idempotency_key": "k"}, format="json"
    )
    assert response.status_code == 403


@pytest.mark.django_db
def test_schema_describes_the_payments_api(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/payments/{id}/refunds/" in schema.content
