"""A customer's steps in the browser, shared by the tests that run them against different
servers (pytest-django's live server, the Procfile under honcho)."""

from __future__ import annotations

from collections.abc import Callable

NAME, EMAIL, PASSWORD = "Grace Hopper", "grace@example.com", "compiler-a0-1952"  # noqa: S105 - a test customer's


def customer_signs_up(page, confirmation_link: Callable[[], str]) -> None:
    """Sign up as Grace Hopper and follow the mailed confirmation link (`confirmation_link`
    returns its path once the mail is there), which opens the account and signs her in."""
    page.goto("/accounts/signup/")
    page.fill("#id_legal_name", NAME)
    page.fill("#id_email", EMAIL)
    page.fill("#id_country", "US")
    page.fill("#id_date_of_birth", "1986-12-09")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Check your inbox")
    page.goto(confirmation_link())
    page.wait_for_selector(f"text=Welcome, {NAME}")


def customer_pays_by_card(page, card: str) -> None:
    """Pay 25.00 USD through Stripe with `card`, typed into the sandbox's stand-in for Stripe.js."""
    page.goto("/payments/checkout/")
    page.fill("input[name=amount]", "25.00")
    page.select_option("select[name=currency]", "USD")
    page.check("input[name=provider][value=stripe]")
    page.click("#checkout-form button[type=submit]")
    page.wait_for_selector("[data-sandbox=stripe]")
    page.fill("#sandbox-card-number", card)
    page.click("#stripe-payment button[type=submit]")
