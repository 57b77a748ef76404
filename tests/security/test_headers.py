"""Issue #17 item 15: security headers.

The penetration test found no Content-Security-Policy on any page, no Subresource
Integrity on our scripts, pages and API answers carrying secrets without
`Cache-Control: no-store`, and a public /readyz naming the environment and which service
failed. Each test requests what the tester requested and asserts the header or body.
"""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from django.contrib.staticfiles import finders
from rest_framework.test import APIClient

from fintech.services.api_clients import api_client_create
from tests.banking.conftest import fake_plaid, linked_item  # noqa: F401  (fixtures)
from tests.factories import PASSWORD, CustomerFactory, make_staff
from tests.helpers import admin_login
from tests.payments.conftest import fake_stripe, submitted_payment, webhook_secrets  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";") if part.strip())}


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_every_kind_of_page_carries_a_content_security_policy(client, fake_stripe):  # noqa: F811
    customer = CustomerFactory()  # with a gateway configured, so checkout shows its form
    anonymous_pages = [client.get("/accounts/login/"), client.get("/admin/login/"), client.get("/api/docs/")]
    client.force_login(customer.user)
    for response in [*anonymous_pages, client.get("/dashboard/"), client.get("/payments/checkout/")]:
        assert response.status_code == 200
        policy = _policy(response)
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"][0] == "'self'" and "'unsafe-inline'" not in policy["script-src"]
        assert policy["object-src"] == policy["base-uri"] == policy["frame-ancestors"] == ["'none'"]


def test_provider_scripts_are_allowed_only_on_their_own_payment_page(client, submitted_payment):  # noqa: F811
    payment = submitted_payment()
    client.force_login(payment.customer.user)
    pay_page = client.get(f"/payments/{payment.pk}/pay/")
    assert "https://js.stripe.com" in _policy(pay_page)["script-src"]
    assert "https://hooks.stripe.com" in _policy(pay_page)["frame-src"]
    dashboard = client.get("/dashboard/")
    assert "stripe" not in dashboard["Content-Security-Policy"]
    assert "plaid" not in dashboard["Content-Security-Policy"]


def test_bank_page_inline_script_runs_only_with_the_responses_nonce(client, linked_item):  # noqa: F811
    item = linked_item()
    client.force_login(item.customer.user)
    response = client.get("/bank/")
    [nonce] = re.findall(r'<script nonce="([^"]+)">', response.content.decode())
    assert f"'nonce-{nonce}'" in _policy(response)["script-src"]
    assert "https://cdn.plaid.com" in _policy(response)["script-src"]
    assert client.get("/bank/")["Content-Security-Policy"] != response["Content-Security-Policy"]  # fresh each time


def test_our_checkout_script_carries_subresource_integrity(client, submitted_payment):  # noqa: F811
    payment = submitted_payment()
    client.force_login(payment.customer.user)
    page = client.get(f"/payments/{payment.pk}/pay/").content.decode()
    [integrity] = re.findall(r'<script src="/static/payments/checkout\.js" integrity="([^"]+)"', page)
    with open(finders.find("payments/checkout.js"), "rb") as shipped:
        assert integrity == "sha384-" + base64.b64encode(hashlib.sha384(shipped.read()).digest()).decode()


def test_dashboard_is_never_stored(client):
    client.force_login(CustomerFactory().user)
    response = client.get("/dashboard/")
    assert response.status_code == 200 and _no_store(response)


def test_pay_page_carrying_the_client_secret_is_never_stored(client, submitted_payment):  # noqa: F811
    payment = submitted_payment()
    client.force_login(payment.customer.user)
    response = client.get(f"/payments/{payment.pk}/pay/")
    assert payment.client_secret and payment.client_secret in response.content.decode()
    assert _no_store(response)


def test_api_json_is_never_stored():
    customer = CustomerFactory()
    _, token = api_client_create(name="client", user=customer.user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    for response in (api.get("/api/v1/me/"), api.get("/api/v1/payments/"), APIClient().get("/api/v1/me/")):
        assert response["Content-Type"].startswith("application/json")
        assert _no_store(response), response.status_code


def test_readyz_tells_the_public_only_whether_it_is_ready(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    # an operator signed in to the admin (with the second factor) sees which checks ran
    staff, device = make_staff("operator")
    admin_login(client, staff, device, password=PASSWORD)
    assert client.get("/readyz").json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}
