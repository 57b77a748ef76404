"""Banking configuration, read from the environment (django-environ) at call time, so
a rotated secret or a test's fake Plaid takes effect without a reload.

PLAID_CLIENT_ID, PLAID_SECRET   API credentials
PLAID_HOST                      API base address (default: Plaid's sandbox)
PLAID_LINK_URL                  where the bank page loads Plaid Link from (the sandbox serves a
                                stand-in; production refuses any address but Plaid's)
PLAID_WEBHOOK_URL               the address Plaid posts webhooks to (…/webhooks/plaid/)
PLAID_COUNTRY_CODES             countries offered in Link (default US)
TRANSFER_MIN_AMOUNT, TRANSFER_MAX_AMOUNT   limits per transfer, in minor units
TRANSFER_FIRST_MAX_AMOUNT       per-transfer limit until the customer's first transfer settled
TRANSFER_NEW_ACCOUNT_MAX_AMOUNT per-transfer limit to an account linked less than
TRANSFER_NEW_ACCOUNT_DAYS       days ago
TRANSFER_DAILY_LIMIT            per customer and direction, over the last 24 hours
TRANSFER_30_DAY_LIMIT           per customer and direction, over the last 30 days
All amounts in minor units of TRANSFER_CURRENCY.
"""

from __future__ import annotations

import environ

env = environ.Env()

DEFAULT_PLAID_HOST = "https://sandbox.plaid.com"
DEFAULT_PLAID_LINK_URL = "https://cdn.plaid.com/link/v2/stable/link-initialize.js"
PLAID_CLIENT_NAME = "Fintech"
WEBHOOK_MAX_AGE_SECONDS = 300
WEBHOOK_KEY_CACHE_SECONDS = 24 * 60 * 60
# A kid Plaid does not know is remembered as unknown this long, so repeating it costs
# no outbound call; and at most this many look-ups of kids we have not seen leave the
# building per minute, whatever the number of distinct kids an attacker invents.
WEBHOOK_UNKNOWN_KEY_CACHE_SECONDS = 60 * 60
WEBHOOK_KEY_LOOKUPS_PER_MINUTE = 10
SYNC_MAX_RESTARTS = 3
TRANSFER_CURRENCY = "USD"  # Plaid Transfer moves US dollars over ACH only


def plaid_client_id() -> str:
    return env.str("PLAID_CLIENT_ID", default="")


def plaid_secret() -> str:
    return env.str("PLAID_SECRET", default="")


def plaid_host() -> str:
    return env.str("PLAID_HOST", default=DEFAULT_PLAID_HOST)


def plaid_link_url() -> str:
    return env.str("PLAID_LINK_URL", default=DEFAULT_PLAID_LINK_URL)


def plaid_webhook_url() -> str:
    return env.str("PLAID_WEBHOOK_URL", default="")


def plaid_country_codes() -> list[str]:
    return env.list("PLAID_COUNTRY_CODES", default=["US"])


def transfer_min_amount() -> int:
    return env.int("TRANSFER_MIN_AMOUNT", default=100)


def transfer_max_amount() -> int:
    return env.int("TRANSFER_MAX_AMOUNT", default=1_000_000)


def transfer_first_max_amount() -> int:
    return env.int("TRANSFER_FIRST_MAX_AMOUNT", default=250_000)


def transfer_new_account_max_amount() -> int:
    return env.int("TRANSFER_NEW_ACCOUNT_MAX_AMOUNT", default=250_000)


def transfer_new_account_days() -> int:
    return env.int("TRANSFER_NEW_ACCOUNT_DAYS", default=7)


def transfer_daily_limit() -> int:
    return env.int("TRANSFER_DAILY_LIMIT", default=2_500_000)


def transfer_30_day_limit() -> int:
    return env.int("TRANSFER_30_DAY_LIMIT", default=10_000_000)
