"""Payments' view of the settings: read from `django.conf.settings` at call time, so a test's
`override_settings` (a fake gateway, a rotated webhook secret) takes effect at once.

Every setting is defined once, with its type, default and meaning, in
`config/setting_definitions.py`; what is here are product constants and what is derived
from the settings (is a gateway configured, the Braintree credentials as one value).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

# How far a Stripe-Signature timestamp may be from now: a captured delivery cannot be replayed later.
WEBHOOK_TOLERANCE_SECONDS = 300


def stripe_api_key() -> str:
    return settings.STRIPE_API_KEY


def stripe_publishable_key() -> str:
    return settings.STRIPE_PUBLISHABLE_KEY


def stripe_api_base() -> str:
    return settings.STRIPE_API_BASE


def stripe_js_url() -> str:
    return settings.STRIPE_JS_URL


def braintree_dropin_url() -> str:
    return settings.BRAINTREE_DROPIN_URL


def stripe_webhook_secrets() -> list[str]:
    return list(settings.STRIPE_WEBHOOK_SECRETS)


@dataclass(frozen=True)
class BraintreeSettings:
    merchant_id: str
    public_key: str
    private_key: str
    environment: str
    api_url: str
    merchant_accounts: dict[str, str]


def braintree_settings() -> BraintreeSettings:
    return BraintreeSettings(
        merchant_id=settings.BRAINTREE_MERCHANT_ID,
        public_key=settings.BRAINTREE_PUBLIC_KEY,
        private_key=settings.BRAINTREE_PRIVATE_KEY,
        environment=settings.BRAINTREE_ENVIRONMENT,
        api_url=settings.BRAINTREE_API_URL,
        merchant_accounts=dict(settings.BRAINTREE_MERCHANT_ACCOUNTS),
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
