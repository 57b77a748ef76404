"""Issue #17 item 8: unbounded input gets a 400 with a JSON error, never a 500.

Each test sends what the penetration test sent (JSON nested 1,000 deep, amounts beyond
bigint or at its maximum, a NUL in a query parameter, a forged cursor) to one entry
point, and asserts the 400 and that nothing was written or sent to a gateway.
"""

from __future__ import annotations

import base64

import pytest
from rest_framework.test import APIClient

from banking.models import PlaidItem, Transfer
from fintech import roles
from fintech.models import AuditEvent
from payments.models import Payment, WebhookDelivery
from tests.banking.conftest import fake_plaid, linked_item  # noqa: F401  (fixtures)
from tests.compliance.workplace.conftest import analyst_client  # noqa: F401  (fixture)
from tests.factories import CustomerFactory, make_staff
from tests.helpers import api_client_for
from tests.payments.conftest import fake_braintree, signed_headers, webhook_secrets  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db

DEEP = "[" * 1000 + "]" * 1000  # Python's json module raises RecursionError on this


def _api(user) -> APIClient:
    return api_client_for(user)


def _assert_json_400(response, error: str | None = None) -> dict:
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"] == error if error else body["error"]
    return body


def test_payment_api_refuses_json_nested_1000_deep():
    customer = CustomerFactory()
    response = _api(customer.user).post(
        "/api/v1/payments/",
        data=f'{{"amount": {DEEP}, "currency": "EUR"}}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="deep-1",
    )
    assert _assert_json_400(response, "parse_error")["detail"] == "the body nests deeper than 32 levels"
    assert not Payment.objects.exists()


def test_transfer_api_refuses_json_nested_1000_deep(fake_plaid, linked_item):  # noqa: F811
    item = linked_item()
    account = item.accounts.get(subtype="checking")
    body = (
        f'{{"account": {account.pk}, "direction": "debit", "amount": 2500, "currency": "USD", '
        f'"idempotency_key": "deep-1", "description": {DEEP}}}'
    )
    response = _api(item.customer.user).post("/api/v1/transfers/", data=body, content_type="application/json")
    _assert_json_400(response, "parse_error")
    assert not Transfer.objects.exists()


def test_bank_link_refuses_json_nested_1000_deep(client):
    customer = CustomerFactory()
    client.force_login(customer.user)
    body = f'{{"public_token": "public-sandbox-1", "metadata": {DEEP}}}'
    response = client.post("/bank/link/complete/", data=body, content_type="application/json")
    _assert_json_400(response, "json_too_deep")
    assert not PlaidItem.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="banking.").exists()


def test_signed_stripe_webhook_nested_1000_deep_is_refused_and_not_stored(client, webhook_secrets):  # noqa: F811
    body = f'{{"id": "evt_deep", "type": "payment_intent.succeeded", "data": {DEEP}}}'
    response = client.post("/webhooks/stripe/", data=body, content_type="application/json", **signed_headers(body))
    _assert_json_400(response, "json_too_deep")
    assert not WebhookDelivery.objects.exists()


def _braintree_checkout_refuses(client, fake_braintree, amount: str) -> None:  # noqa: F811
    client.force_login(CustomerFactory().user)
    response = client.post(
        "/payments/checkout/braintree/",
        {
            "amount": amount,
            "currency": "USD",
            "payment_method_nonce": fake_braintree.nonce("paypal"),
        },
    )
    assert "amount" in _assert_json_400(response, "invalid_payment")["detail"]
    assert not Payment.objects.exists()
    assert fake_braintree.sales() == []


def test_braintree_checkout_amount_beyond_bigint_is_refused(client, fake_braintree):  # noqa: F811
    _braintree_checkout_refuses(client, fake_braintree, "10000000000000000000")


def test_braintree_checkout_amount_at_bigint_maximum_never_reaches_the_gateway(client, fake_braintree):  # noqa: F811
    _braintree_checkout_refuses(client, fake_braintree, "9223372036854775807")


def test_transfer_amount_of_ten_to_the_nineteen_is_refused(fake_plaid, linked_item):  # noqa: F811
    item = linked_item()
    account = item.accounts.get(subtype="checking")
    response = _api(item.customer.user).post(
        "/api/v1/transfers/",
        data=(
            f'{{"account": {account.pk}, "direction": "debit", "amount": {10**19}, "currency": "USD", '
            '"idempotency_key": "huge-1"}'
        ),
        content_type="application/json",
    )
    assert "amount" in _assert_json_400(response)["detail"]
    assert not Transfer.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="banking.transfer").exists()


def test_payment_above_the_currency_business_maximum_is_refused():
    customer = CustomerFactory()
    response = _api(customer.user).post(
        "/api/v1/payments/", {"amount": 100_000_001, "currency": "EUR"}, format="json", HTTP_IDEMPOTENCY_KEY="max-1"
    )
    assert _assert_json_400(response)["detail"]["amount"] == ["the largest amount accepted is 1,000,000.00 EUR"]
    assert not Payment.objects.exists()


def test_alerts_customer_filter_with_a_nul_is_refused():
    analyst, _ = make_staff("analyst", roles.ANALYST)
    response = _api(analyst).get("/api/v1/alerts/?customer=%00")
    assert "customer" in _assert_json_400(response)["detail"]


def test_alerts_cursor_with_a_forged_position_is_refused():
    analyst, _ = make_staff("analyst", roles.ANALYST)
    forged = base64.b64encode(b"p=abc").decode()  # a position where the list's key is a number
    response = _api(analyst).get(f"/api/v1/alerts/?cursor={forged}")
    _assert_json_400(response, "invalid_cursor")


def test_fuzzy_search_query_with_a_nul_is_refused(analyst_client):  # noqa: F811
    response = analyst_client.get("/admin/compliance/alert/search/?q=a%00b")
    assert "q" in _assert_json_400(response, "invalid_query")["detail"]
