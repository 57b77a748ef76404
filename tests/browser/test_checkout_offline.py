"""The checkout in a real browser with the payment providers' scripts unreachable
(js.stripe.com and js.braintreegateway.com aborted, as offline or behind a blocker):
the pages render, say clearly that the secure form could not load, and post nothing
to our server. Our server talks to the fake gateways through the real SDKs."""

from __future__ import annotations

import pytest

from payments.models import Payment
from sandbox import braintree_server as fake_bt
from sandbox.braintree_server import FakeBraintreeServer
from sandbox.stripe_server import FakeStripeServer
from tests.factories import PASSWORD, CustomerFactory
from tests.helpers import settings_set_from_env

pytestmark = pytest.mark.django_db(transaction=True)
PROVIDER_SCRIPTS = ("https://js.stripe.com/**", "https://js.braintreegateway.com/**")


@pytest.fixture
def gateways(settings, monkeypatch):
    stripe, braintree = (
        FakeStripeServer().start(),
        FakeBraintreeServer(merchant_accounts={"fake_eur": "EUR", "fake_usd": "USD"}).start(),
    )
    env = {
        "STRIPE_API_BASE": stripe.url,
        "STRIPE_API_KEY": "sk_test_fake",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_fake",
        "BRAINTREE_API_URL": braintree.url,
        "BRAINTREE_ENVIRONMENT": "development",
        "BRAINTREE_MERCHANT_ID": fake_bt.MERCHANT_ID,
        "BRAINTREE_PUBLIC_KEY": fake_bt.PUBLIC_KEY,
        "BRAINTREE_PRIVATE_KEY": fake_bt.PRIVATE_KEY,
        "BRAINTREE_MERCHANT_ACCOUNTS": "EUR=fake_eur,USD=fake_usd",
    }
    settings_set_from_env(settings, monkeypatch, env)
    yield stripe, braintree
    stripe.stop()
    braintree.stop()


def _watch(page, live_server):
    """Aborted provider requests, uncaught page errors, and every POST to our server."""
    seen = {"aborted": [], "errors": [], "posts": []}
    for pattern in PROVIDER_SCRIPTS:
        page.route(pattern, lambda route: (seen["aborted"].append(route.request.url), route.abort()))
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    page.on(
        "request",
        lambda request: (
            seen["posts"].append((request.url, request.post_data or ""))
            if request.method == "POST" and request.url.startswith(live_server.url)
            else None
        ),
    )
    return seen


def _sign_in(page, customer) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", customer.user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/**")


def _choose(page, *, amount: str, currency: str, provider: str) -> None:
    page.goto("/payments/checkout/")
    page.fill("input[name=amount]", amount)
    page.select_option("select[name=currency]", currency)
    page.check(f"input[name=provider][value={provider}]")
    page.click("#checkout-form button[type=submit]")


def _try_to_pay(page, form_id: str) -> None:
    """What a determined click would do: the form is asked to submit anyway."""
    page.evaluate(f"document.getElementById('{form_id}').requestSubmit()")
    page.wait_for_timeout(300)


def test_checkout_without_the_providers_scripts_explains_and_posts_nothing(page, live_server, gateways, screenshot):
    customer = CustomerFactory()
    seen = _watch(page, live_server)
    _sign_in(page, customer)

    # Stripe: the payment is created by our server, the Payment Element cannot load
    _choose(page, amount="12.50", currency="EUR", provider="stripe")
    page.wait_for_url("**/payments/*/pay/")
    alert = page.locator("#payment-element [role=alert]")
    alert.wait_for()
    assert "could not load" in alert.inner_text() and "Nothing has been charged" in alert.inner_text()
    assert page.locator("#stripe-payment button[type=submit]").is_disabled()
    screenshot("checkout-stripe-provider-offline")
    posts_before = len(seen["posts"])
    _try_to_pay(page, "stripe-payment")
    assert len(seen["posts"]) == posts_before
    assert "/pay/" in page.url

    # Braintree: the Drop-in page renders with its client token, the Drop-in cannot load
    _choose(page, amount="30", currency="USD", provider="braintree")
    alert = page.locator("#dropin-container [role=alert]")
    alert.wait_for()
    assert "could not load" in alert.inner_text()
    assert page.locator("#braintree-payment").get_attribute("data-client-token")
    assert page.locator("#braintree-payment button[type=submit]").is_disabled()
    screenshot("checkout-braintree-provider-offline")
    posts_before = len(seen["posts"])
    _try_to_pay(page, "braintree-payment")
    assert len(seen["posts"]) == posts_before

    # then: both provider scripts were asked for and refused, nothing crashed, no card field ever existed,
    # and the only things posted to us were the sign-in and the two checkout choices
    assert any("js.stripe.com" in url for url in seen["aborted"])
    assert any("js.braintreegateway.com" in url for url in seen["aborted"])
    assert seen["errors"] == []
    assert page.locator("input[name*=card], input[autocomplete^=cc-]").count() == 0
    paths = [url.removeprefix(live_server.url).split("?")[0] for url, _ in seen["posts"]]
    assert paths == ["/accounts/login/", "/payments/checkout/", "/payments/checkout/"]
    assert not any("4242" in body or "card" in body.lower() for _, body in seen["posts"])
    # only the Stripe choice created a payment (pending); the Braintree one waits for a nonce that never came
    assert list(Payment.objects.values_list("gateway", "status", "amount")) == [("stripe", "pending", 1250)]
