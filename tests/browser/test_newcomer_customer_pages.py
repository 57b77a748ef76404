"""Issue #18 item 5, in a real browser: what a newcomer met on the customer pages of `make run`.
The dashboard leads to paying and to linking a bank; sign-up refuses a country that does not
exist and a child's date of birth, saying why; without gateway keys the checkout says that
payments are not configured (not "try again in a few minutes"). Provider scripts are
aborted: these pages must work without them."""

from __future__ import annotations

import re

import pytest

from fintech.models import Customer
from payments.models import Payment
from tests.factories import PASSWORD, CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)
THIRD_PARTY = ("https://js.stripe.com/**", "https://js.braintreegateway.com/**", "https://cdn.plaid.com/**")
GATEWAY_KEYS = (
    "STRIPE_API_KEY",
    "STRIPE_PUBLISHABLE_KEY",
    "BRAINTREE_MERCHANT_ID",
    "BRAINTREE_PUBLIC_KEY",
    "BRAINTREE_PRIVATE_KEY",
)


@pytest.fixture
def offline_page(page):
    for pattern in THIRD_PARTY:
        page.route(pattern, lambda route: route.abort())
    return page


@pytest.fixture
def no_gateway_keys(monkeypatch):
    for name in GATEWAY_KEYS:
        monkeypatch.delenv(name, raising=False)


def _sign_in(page, customer) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", customer.user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/**")


def test_the_dashboard_links_to_paying_and_to_linking_a_bank(offline_page, settings, screenshot):
    settings.STRIPE_API_KEY = "sk_test_fake"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_fake"
    page = offline_page
    _sign_in(page, CustomerFactory())
    screenshot("newcomer-dashboard-links")
    page.get_by_role("link", name="Make a payment").click()
    page.wait_for_url("**/payments/checkout/")
    assert page.locator("input[name=amount]").is_visible()
    page.go_back()
    page.get_by_role("link", name="Link a bank account").click()
    page.wait_for_url("**/bank/")
    assert page.locator("h1").inner_text() == "Bank accounts"


def _sign_up(page, *, country: str, born: str) -> None:
    page.goto("/accounts/signup/")
    page.fill("#id_legal_name", "Ada Lovelace")
    page.fill("#id_email", "ada@example.com")
    page.fill("#id_country", country)
    page.fill("#id_date_of_birth", born)
    page.fill("#id_password1", "analytical-engine-1843")
    page.fill("#id_password2", "analytical-engine-1843")
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_sign_up_refuses_an_unknown_country_and_a_child_saying_why(offline_page, screenshot, mailoutbox):
    page = offline_page
    _sign_up(page, country="XX", born="2020-05-01")
    screenshot("newcomer-sign-up-refused")
    errors = page.locator(".errorlist").all_inner_texts()
    assert any("XX is not a country" in e for e in errors), errors
    assert any("at least 18 years old" in e for e in errors), errors
    assert "/accounts/signup/" in page.url and not Customer.objects.exists()
    # corrected, the same form goes through
    _sign_up(page, country="GB", born="1990-12-10")
    # the address is confirmed by the link mailed to it, which signs the customer in
    page.goto(re.search(r"https?://[^/]+(/accounts/confirm/\S+)", mailoutbox[-1].body).group(1))
    page.wait_for_selector("text=Welcome, Ada Lovelace")
    assert Customer.objects.get().country == "GB"


def test_checkout_without_gateway_keys_says_payments_are_not_configured(offline_page, no_gateway_keys, screenshot):
    page = offline_page
    _sign_in(page, CustomerFactory())
    page.get_by_role("link", name="Make a payment").click()
    heading = page.locator("h1")
    screenshot("newcomer-checkout-not-configured")
    assert heading.inner_text() == "Payments are not configured"
    assert "try again in a few minutes" not in page.content()
    assert not Payment.objects.exists()
