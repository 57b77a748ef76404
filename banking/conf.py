"""Banking's view of the settings: read from `django.conf.settings` at call time, so a test's
`override_settings` (a fake Plaid, a lower limit) takes effect at once.

Every setting is defined once, with its type, default and meaning, in
`config/setting_definitions.py` (PLAID_*, TRANSFER_*); what is here are product constants.
All transfer amounts are minor units of TRANSFER_CURRENCY.
"""

from __future__ import annotations

from django.conf import settings

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
    return settings.PLAID_CLIENT_ID


def plaid_secret() -> str:
    return settings.PLAID_SECRET


def plaid_host() -> str:
    return settings.PLAID_HOST


def plaid_link_url() -> str:
    return settings.PLAID_LINK_URL


def plaid_webhook_url() -> str:
    return settings.PLAID_WEBHOOK_URL


def plaid_country_codes() -> list[str]:
    return list(settings.PLAID_COUNTRY_CODES)


def transfer_min_amount() -> int:
    return settings.TRANSFER_MIN_AMOUNT


def transfer_max_amount() -> int:
    return settings.TRANSFER_MAX_AMOUNT


def transfer_first_max_amount() -> int:
    return settings.TRANSFER_FIRST_MAX_AMOUNT


def transfer_new_account_max_amount() -> int:
    return settings.TRANSFER_NEW_ACCOUNT_MAX_AMOUNT


def transfer_new_account_days() -> int:
    return settings.TRANSFER_NEW_ACCOUNT_DAYS


def transfer_daily_limit() -> int:
    return settings.TRANSFER_DAILY_LIMIT


def transfer_30_day_limit() -> int:
    return settings.TRANSFER_30_DAY_LIMIT
