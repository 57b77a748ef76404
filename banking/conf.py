"""Banking configuration, read from the environment (django-environ) at call time, so
a rotated secret or a test's fake Plaid takes effect without a reload.

PLAID_CLIENT_ID, PLAID_SECRET   API credentials
PLAID_HOST                      API base address (default: Plaid's sandbox)
PLAID_WEBHOOK_URL               the address Plaid posts webhooks to (…/webhooks/plaid/)
PLAID_COUNTRY_CODES             countries offered in Link (default US)
TRANSFER_MIN_AMOUNT, TRANSFER_MAX_AMOUNT   limits per transfer, in minor units
TRANSFER_OWNER_NAME_MIN_SCORE   rapidfuzz token_sort_ratio an owner name needs (0-100)
"""

from __future__ import annotations

import environ

env = environ.Env()

DEFAULT_PLAID_HOST = "https://sandbox.plaid.com"
PLAID_CLIENT_NAME = "Fintech"
WEBHOOK_MAX_AGE_SECONDS = 300
WEBHOOK_KEY_CACHE_SECONDS = 24 * 60 * 60
SYNC_MAX_RESTARTS = 3
TRANSFER_CURRENCY = "USD"  # Plaid Transfer moves US dollars over ACH only


def plaid_client_id() -> str:
    return env.str("PLAID_CLIENT_ID", default="")


def plaid_secret() -> str:
    return env.str("PLAID_SECRET", default="")


def plaid_host() -> str:
    return env.str("PLAID_HOST", default=DEFAULT_PLAID_HOST)


def plaid_webhook_url() -> str:
    return env.str("PLAID_WEBHOOK_URL", default="")


def plaid_country_codes() -> list[str]:
    return env.list("PLAID_COUNTRY_CODES", default=["US"])


def transfer_min_amount() -> int:
    return env.int("TRANSFER_MIN_AMOUNT", default=100)


def transfer_max_amount() -> int:
    return env.int("TRANSFER_MAX_AMOUNT", default=1_000_000)


def owner_name_min_score() -> float:
    return env.float("TRANSFER_OWNER_NAME_MIN_SCORE", default=85.0)
