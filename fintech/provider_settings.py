"""The settings of the providers (Stripe, Braintree, Plaid), bank transfers, reconciliation and
compliance (screening, monitoring, cases): one definition each (name, type, default, meaning),
read from the environment once, by settings.py.

Code reads them through `django.conf.settings` at call time (`payments.conf`, `banking.conf`,
`compliance.conf` and the reconciliation runs do), so `override_settings` and pytest-django's `settings`
fixture reach them, and production's checks (settings.py at start-up, `check --deploy`)
see the same values the code uses. docs/configuration.md lists them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def _text(value: str) -> str:
    return value.strip()


def _integer(value: str) -> int:
    return int(value.strip())


def _number(value: str) -> float:
    return float(value.strip())


def _names(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _lowercase_names(value: str) -> list[str]:
    return [item.lower() for item in _names(value)]


def _currency_map(value: str) -> dict[str, str]:
    """`USD=acct_usd,EUR=0.85` -> {"USD": "acct_usd", "EUR": "0.85"}; incomplete pairs dropped."""
    pairs = {}
    for item in _names(value):
        currency, _, account = item.partition("=")
        if currency.strip() and account.strip():
            pairs[currency.strip().upper()] = account.strip()
    return pairs


# name: (parser of the environment's text, default value, meaning)
PROVIDER_SETTINGS: dict[str, tuple[Callable[[str], Any], Any, str]] = {
    "STRIPE_API_KEY": (_text, "", "secret API key (sk_...)"),
    "STRIPE_API_BASE": (_text, "https://api.stripe.com", "API base address; the tests point it at a local fake"),
    "STRIPE_PUBLISHABLE_KEY": (_text, "", "publishable key (pk_...) for the checkout's Payment Element"),
    "STRIPE_JS_URL": (
        _text,
        "https://js.stripe.com/v3/",
        "where the checkout loads Stripe.js from; production refuses any address but Stripe's",
    ),
    "STRIPE_WEBHOOK_SECRETS": (
        _names,
        [],
        "comma-separated signing secrets (whsec_...); any may match, so a "
        "secret can be rotated; empty refuses every webhook",
    ),
    "BRAINTREE_MERCHANT_ID": (_text, "", "merchant id"),
    "BRAINTREE_PUBLIC_KEY": (_text, "", "API public key (also names the key in webhook signatures)"),
    "BRAINTREE_PRIVATE_KEY": (_text, "", "API private key (signs webhooks and the challenge answer)"),
    "BRAINTREE_ENVIRONMENT": (_text, "sandbox", "sandbox or production"),
    "BRAINTREE_API_URL": (_text, "", "override the gateway's address, e.g. the tests' fake"),
    "BRAINTREE_DROPIN_URL": (
        _text,
        "https://js.braintreegateway.com/web/dropin/1.44.1/js/dropin.min.js",
        "where the checkout loads the Drop-in from; production refuses any address but Braintree's",
    ),
    "BRAINTREE_MERCHANT_ACCOUNTS": (
        _currency_map,
        {},
        "`USD=acct_usd,EUR=acct_eur`: the merchant account per currency (unlisted currencies use the default account)",
    ),
    "PLAID_CLIENT_ID": (_text, "", "API client id"),
    "PLAID_SECRET": (_text, "", "API secret"),
    "PLAID_HOST": (_text, "https://sandbox.plaid.com", "API base address"),
    "PLAID_LINK_URL": (
        _text,
        "https://cdn.plaid.com/link/v2/stable/link-initialize.js",
        "where the bank page loads Plaid Link from; production refuses any address but Plaid's",
    ),
    "PLAID_WEBHOOK_URL": (_text, "", "the address Plaid posts webhooks to (.../webhooks/plaid/), given to Link"),
    "PLAID_COUNTRY_CODES": (_names, ["US"], "countries offered in Link"),
    "TRANSFER_MIN_AMOUNT": (_integer, 100, "smallest transfer, minor units"),
    "TRANSFER_MAX_AMOUNT": (_integer, 1_000_000, "largest transfer, minor units"),
    "TRANSFER_FIRST_MAX_AMOUNT": (_integer, 250_000, "per-transfer limit until the customer's first transfer settled"),
    "TRANSFER_NEW_ACCOUNT_MAX_AMOUNT": (_integer, 250_000, "per-transfer limit to a newly linked account"),
    "TRANSFER_NEW_ACCOUNT_DAYS": (_integer, 7, "how long an account counts as newly linked, days"),
    "TRANSFER_DAILY_LIMIT": (_integer, 2_500_000, "per customer and direction over the last 24 hours"),
    "TRANSFER_30_DAY_LIMIT": (_integer, 10_000_000, "per customer and direction over the last 30 days"),
    "RECONCILIATION_GATEWAYS": (_lowercase_names, ["stripe"], "gateways the nightly reconciliation covers"),
    "RECONCILIATION_DATE_WINDOW_DAYS": (
        _integer,
        3,
        "how far apart a record without a reference and its ledger record may be, days",
    ),
    "RECONCILIATION_WORK_MEM": (
        _text,
        "128MB",
        "PostgreSQL work_mem of the matching transaction, so its hash joins stay in memory",
    ),
    # Compliance. The threshold's meaning and how it was tuned: compliance/conf.py, docs/screening.md.
    "SCREENING_THRESHOLD": (
        _number,
        88.0,
        "final score (0-100) at or above which a screening match is a hit",
    ),
    "SCREENING_MAX_MATCHES": (_integer, 10, "matches returned (and considered) per screened name"),
    "AML_STREAM": (_text, "transactions", "the Redis stream transaction events go to and monitoring reads"),
    "AML_GROUP": (_text, "aml", "monitoring's consumer group on that stream"),
    "AML_MAX_ATTEMPTS": (_integer, 5, "failed evaluations after which an event is poison (dead-lettered)"),
    "AML_RECLAIM_IDLE_MS": (
        _integer,
        60_000,
        "pending entries idle this long belong to a dead (or stuck) consumer and are reclaimed, ms",
    ),
    "COMPLIANCE_CASE_SLA_DAYS": (_integer, 30, "days from opening a case to its SLA due date"),
    "COMPLIANCE_ATTACHMENT_MAX_BYTES": (_integer, 10 * 1024 * 1024, "largest evidence attachment accepted, bytes"),
    "COMPLIANCE_ATTACHMENT_TYPES": (
        _names,
        ["application/pdf", "image/png", "image/jpeg", "text/plain", "text/csv"],
        "content types of evidence attachments accepted",
    ),
    "COMPLIANCE_FX_BASE": (_text, "GBP", "currency of the monitoring thresholds (minor units)"),
    "COMPLIANCE_FX_RATES": (
        _currency_map,
        {"USD": "0.79", "EUR": "0.85", "JPY": "0.0053", "CHF": "0.89", "CAD": "0.58", "AUD": "0.52"},
        "reference rates to the base currency, major units of the base per major unit "
        "(compliance/monitoring/fx.py); a currency without one is compared unconverted",
    ),
}


def provider_settings(environ: Mapping[str, str], *, names: Iterable[str] | None = None) -> dict[str, Any]:
    """The typed value of each setting (of `names`, default all) from `environ`; a setting
    absent from `environ` gets its default. A malformed number raises ValueError, so a
    process refuses to start rather than run with a limit it did not mean."""
    values = {}
    for name in PROVIDER_SETTINGS if names is None else names:
        parse, default, _meaning = PROVIDER_SETTINGS[name]
        values[name] = parse(environ[name]) if name in environ else copy.deepcopy(default)
    return values


def _shown(default: Any) -> str:
    if isinstance(default, dict):
        return ",".join(f"{k}={v}" for k, v in default.items()) or "empty"
    if isinstance(default, list):
        return ",".join(default) or "empty"
    return str(default) if default != "" else "empty"


def settings_table_markdown() -> str:
    """The table of docs/configuration.md, generated from PROVIDER_SETTINGS
    (`python -m tools.settings_table` rewrites it; a test keeps it in step)."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, (_parse, default, meaning) in PROVIDER_SETTINGS.items():
        rows.append(f"| `{name}` | `{_shown(default)}` | {meaning} |".replace("`empty`", "empty"))
    return "\n".join(rows) + "\n"
