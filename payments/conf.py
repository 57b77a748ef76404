"""Payments configuration, read from the environment (django-environ) at call time,
so a rotated webhook secret or a test's fake gateway takes effect without a reload.

STRIPE_API_KEY           secret API key (sk_...)
STRIPE_API_BASE          API base address; the default is Stripe's own
STRIPE_WEBHOOK_SECRETS   comma-separated signing secrets (whsec_...); any may match,
                         so a secret can be rotated without losing deliveries
"""

from __future__ import annotations

import environ

env = environ.Env()

DEFAULT_STRIPE_API_BASE = "https://api.stripe.com"
WEBHOOK_TOLERANCE_SECONDS = 300


def stripe_api_key() -> str:
    return env.str("STRIPE_API_KEY", default="")


def stripe_api_base() -> str:
    return env.str("STRIPE_API_BASE", default=DEFAULT_STRIPE_API_BASE)


def stripe_webhook_secrets() -> list[str]:
    return [secret.strip() for secret in env.list("STRIPE_WEBHOOK_SECRETS", default=[]) if secret.strip()]
