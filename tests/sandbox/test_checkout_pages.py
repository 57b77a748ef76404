"""In the sandbox the customer pages load the providers' stand-ins from the sandbox, and
their Content-Security-Policy allows the sandbox's origin on those pages only."""

from __future__ import annotations

import pytest

from payments.services.payments import payment_create, payment_submit
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_the_card_page_loads_the_sandboxs_stripe_js_and_allows_its_origin(client, sandbox):
    customer = CustomerFactory()
    payment = payment_submit(payment=payment_create(customer=customer, amount=2500, currency="USD"))
    client.force_login(customer.user)
    response = client.get(f"/payments/{payment.pk}/pay/")
    assert response.status_code == 200
    assert f'<script src="{sandbox.stripe.url}/v3/">' in response.content.decode()
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and sandbox.stripe.url in policy.split("script-src")[1].split(";")[0]
    assert sandbox.stripe.url in policy.split("connect-src")[1].split(";")[0]
    # the stand-in is served, and says it is the sandbox
    import urllib.request

    with urllib.request.urlopen(f"{sandbox.stripe.url}/v3/") as script:  # noqa: S310 - the local sandbox
        assert b"SANDBOX" in script.read()


def test_other_pages_do_not_trust_the_sandbox(client, sandbox):
    customer = CustomerFactory()
    client.force_login(customer.user)
    response = client.get("/payments/checkout/")
    assert sandbox.stripe.url not in response["Content-Security-Policy"]
