"""POST /api/v1/payments/: a customer's client creates a payment, once per Idempotency-Key."""

import pytest
from rest_framework.test import APIClient

from fintech import roles
from fintech.models import AuditEvent, IdempotencyRecord
from fintech.services.api_clients import api_client_create
from payments.models import Payment
from payments.services.payments import payment_submit_pending
from tests.factories import CustomerFactory, make_staff
from tests.helpers import api_client_for

pytestmark = pytest.mark.django_db
BODY = {"amount": 1250, "currency": "EUR"}


@pytest.fixture
def customer_api():
    customer = CustomerFactory()
    _, token = api_client_create(name="shop", user=customer.user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return customer, api


def post(api, body, key="order-1"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return api.post("/api/v1/payments/", body, format="json", **headers)


def test_a_payment_is_created_pending_for_the_callers_customer(customer_api):
    customer, api = customer_api
    response = post(api, BODY)
    assert response.status_code == 201, response.json()
    payment = Payment.objects.get(pk=response.json()["id"])
    assert (payment.customer, payment.amount, payment.currency, payment.status) == (customer, 1250, "EUR", "pending")
    assert AuditEvent.objects.filter(action="payments.payment.created", target_id=str(payment.pk)).exists()


def test_the_same_key_and_body_replay_the_same_response(customer_api):
    _, api = customer_api
    first, second = post(api, BODY), post(api, BODY)
    assert (second.status_code, second.json()) == (first.status_code, first.json())
    assert Payment.objects.count() == 1


def test_the_same_key_with_another_body_is_a_conflict(customer_api):
    _, api = customer_api
    post(api, BODY)
    response = post(api, {**BODY, "amount": 9999})
    assert response.status_code == 409 and response.json()["error"] == "conflict"
    assert Payment.objects.count() == 1


def test_keys_are_per_client_user(customer_api):
    _, api = customer_api
    other = CustomerFactory()
    _, token = api_client_create(name="other-shop", user=other.user)
    other_api = APIClient()
    other_api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert post(api, BODY).status_code == 201 and post(other_api, BODY).status_code == 201
    assert Payment.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "key"),
    [
        (BODY, None),
        (BODY, ""),
        (BODY, "k" * 101),
        ({"amount": 12.5, "currency": "EUR"}, "a"),
        ({"amount": "1250", "currency": "EUR"}, "b"),
        ({"amount": 1250, "currency": "XYZ"}, "c"),
        ({"amount": 0, "currency": "EUR"}, "d"),
        ({"currency": "EUR"}, "e"),
    ],
)
def test_invalid_requests_are_refused_and_write_nothing(customer_api, body, key):
    _, api = customer_api
    response = post(api, body, key=key)
    assert response.status_code == 400
    assert not Payment.objects.exists() and not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize("content_type", ["text/plain", ""])
def test_a_body_in_a_media_type_the_api_does_not_parse_is_a_documented_415(customer_api, content_type):
    # given: the schema says which media types the operation takes, and that others get 415
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/payments/"]["post"]
    assert "text/plain" not in operation["requestBody"]["content"]
    assert operation["responses"]["415"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    # when
    _, api = customer_api
    response = api.generic(
        "POST",
        "/api/v1/payments/",
        '{"amount": 1250, "currency": "EUR"}',
        content_type=content_type,
        HTTP_IDEMPOTENCY_KEY="order-1",
    )
    # then
    assert response.status_code == 415
    assert response.json()["error"] == "unsupported_media_type"
    assert not Payment.objects.exists() and not IdempotencyRecord.objects.exists()


def test_a_corrected_retry_may_reuse_the_key_of_a_refused_request(customer_api):
    _, api = customer_api
    assert post(api, {"amount": "bad", "currency": "EUR"}).status_code == 400
    assert post(api, BODY).status_code == 201


def test_staff_clients_do_not_create_customer_payments():
    staff, _ = make_staff("payops", roles.PAYMENTS_OPERATIONS)
    api = api_client_for(staff)
    assert post(api, BODY).status_code == 403
    assert not Payment.objects.exists()


def test_the_submit_task_creates_the_payment_at_the_gateway_once(customer_api, fake_stripe):
    _, api = customer_api
    payment_id = post(api, BODY).json()["id"]
    assert payment_submit_pending(payment_id=payment_id) == "submitted"
    assert payment_submit_pending(payment_id=payment_id) == "nothing to do"
    payment = Payment.objects.get(pk=payment_id)
    assert payment.gateway_reference.startswith("pi_")
    assert AuditEvent.objects.filter(action="payments.payment.submitted", target_id=str(payment_id)).count() == 1
