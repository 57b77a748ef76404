"""Payments configuration, read from the environment (django-environ) at call time,
so a rotated webhook secret or a test's fake gateway takes effect without a reload.

STRIPE_API_KEY           secret API key (sk_...)
STRIPE_API_BASE          API base address; the default is Stripe's own
STRIPE_PUBLISHABLE_KEY   publishable key (pk_...) for the checkout page's Payment Element
STRIPE_JS_URL            where the checkout page loads Stripe.js from (the sandbox serves a
                         stand-in; production refuses any address but Stripe's)
STRIPE_WEBHOOK_SECRETS   comma-separated signing secrets (whsec_...); any may match,
                         so a secret can be rotated without losing deliveries

BRAINTREE_MERCHANT_ID    the merchant id
BRAINTREE_PUBLIC_KEY     API public key (also names the key in webhook signatures)
BRAINTREE_PRIVATE_KEY    API private key (signs webhooks and the challenge answer)
BRAINTREE_ENVIRONMENT    sandbox | production
BRAINTREE_API_URL        override the gateway's address, e.g. http://127.0.0.1:PORT (tests' fake)
BRAINTREE_DROPIN_URL     where the checkout page loads the Drop-in from (the sandbox serves a
                         stand-in; production refuses any address but Braintree's)
BRAINTREE_MERCHANT_ACCOUNTS  comma-separated CUR=merchant_account_id; a sale in a listed
                         currency goes to that account (Braintree settles one currency per
                         merchant account); unlisted currencies use the default account
"""

from __future__ import annotations

from dataclasses import dataclass

import environ

env = environ.Env()

DEFAULT_STRIPE_API_BASE = "https://api.stripe.com"
DEFAULT_STRIPE_JS_URL = "https://js.stripe.com/v3/"
DEFAULT_BRAINTREE_DROPIN_URL = "https://js.braintreegateway.com/web/dropin/1.44.1/js/dropin.min.js"
WEBHOOK_TOLERANCE_SECONDS = 300


def stripe_api_key() -> str:
    return env.str("STRIPE_API_KEY", default="")


def stripe_publishable_key() -> str:
    return env.str("STRIPE_PUBLISHABLE_KEY", default="")


def stripe_api_base() -> str:
    return env.str("STRIPE_API_BASE", default=DEFAULT_STRIPE_API_BASE)


def stripe_js_url() -> str:
    return env.str("STRIPE_JS_URL", default=DEFAULT_STRIPE_JS_URL)


def braintree_dropin_url() -> str:
    return env.str("BRAINTREE_DROPIN_URL", default=DEFAULT_BRAINTREE_DROPIN_URL)


def stripe_webhook_secrets() -> list[str]:
    return [secret.strip() for secret in env.list("STRIPE_WEBHOOK_SECRETS", default=[]) if secret.strip()]


@dataclass(frozen=True)
class BraintreeSettings:
    merchant_id: str
    public_key: str
    private_key: str
    environment: str
    api_url: str
    merchant_accounts: dict[str, str]


def braintree_settings() -> BraintreeSettings:
    accounts = {}
    for item in env.list("BRAINTREE_MERCHANT_ACCOUNTS", default=[]):
        currency, _, account = item.partition("=")
        if currency.strip() and account.strip():
            accounts[currency.strip().upper()] = account.strip()
    return BraintreeSettings(
        merchant_id=env.str("BRAINTREE_MERCHANT_ID", default=""),
        public_key=env.str("BRAINTREE_PUBLIC_KEY", default=""),
        private_key=env.str("BRAINTREE_PRIVATE_KEY", default=""),
        environment=env.str("BRAINTREE_ENVIRONMENT", default="sandbox"),
        api_url=env.str("BRAINTREE_API_URL", default=""),
        merchant_accounts=accounts,
    )


def gateway_configured(name: str) -> bool:
    """Whether this deployment has the credentials to send payments to gateway `name`."""
    if name == "stripe":
        return bool(stripe_api_key())
    if name == "braintree":
        keys = braintree_settings()
        return bool(keys.merchant_id and keys.public_key and keys.private_key)
    return False


def checkout_configured(name: str) -> bool:
    """Whether the customers' checkout can take payments through `name`: the Stripe Payment
    Element also needs the publishable key."""
    return gateway_configured(name) and (name != "stripe" or bool(stripe_publishable_key()))


GATEWAY_KEYS = {
    "stripe": "STRIPE_API_KEY",
    "braintree": "BRAINTREE_MERCHANT_ID, BRAINTREE_PUBLIC_KEY and BRAINTREE_PRIVATE_KEY",
}
