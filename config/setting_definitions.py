"""Every setting read from the environment: one definition each (name, parser, default,
meaning), in one registry, read once at start-up by config/settings.py.

Each value becomes the Django setting of the same name, except the few marked
`django_setting=False`, which settings.py composes into Django's own structures
(DATABASES, REST_FRAMEWORK's throttle rates) or uses to decide at start-up (SANDBOX). Code
reads them through `django.conf.settings` at call time, so `override_settings` and
pytest-django's `settings` fixture reach them, and production's checks (settings.py at
start-up, `check --deploy`) see the values the code uses. docs/configuration.md lists them
all, generated from here (`python -m tools.settings_table`; a test keeps it in step).

A default may be a function of the values defined before it (the Celery broker defaults
to REDIS_URL), so the order of the registry is the order of reading.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

# Development-only material. Production refuses to start with any of these missing
# from the environment, or set to one of these, or too short (fintech/key_policy.py), so
# these values can never protect real data.
DEV_SECRET_KEY = "dev-only-insecure-secret-key-never-used-in-production-0123456789"  # noqa: S105  # nosec B105
DEV_FIELD_KEY = "ZGV2LW9ubHktZmllbGQta2V5LW5vdC1mb3ItcHJvZCE="  # base64 of 32 bytes  # noqa: S105
DEV_BLIND_INDEX_KEY = "ZGV2LW9ubHktYmxpbmQtaW5kZXgta2V5LW5vdC1mb3ItcHJvZA=="  # noqa: S105
DEV_AUDIT_CHAIN_KEY = "ZGV2LW9ubHktYXVkaXQtY2hhaW4ta2V5LW5vdC1wcm9kIQ=="  # noqa: S105
COMMITTED_KEYS = frozenset({DEV_SECRET_KEY, DEV_FIELD_KEY, DEV_BLIND_INDEX_KEY, DEV_AUDIT_CHAIN_KEY})


def _text(value: str) -> str:
    return value.strip()


def _integer(value: str) -> int:
    return int(value.strip())


def _number(value: str) -> float:
    return float(value.strip())


def _prepare_threshold(value: str) -> int | None:
    """A count of runs, or `off` (None: psycopg never prepares)."""
    return None if value.strip().lower() == "off" else _integer(value)


def _flag(value: str) -> bool:
    """1/0, true/false, yes/no, on/off (django-environ's spellings); anything else is a mistake."""
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on", "y", "ok"}:
        return True
    if lowered in {"0", "false", "no", "off", "n", ""}:
        return False
    raise ValueError(f"not a yes/no value: {value!r}")


def _path(value: str) -> Path:
    return Path(value.strip())


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


def _profile(value: str) -> str:
    profile = value.strip()
    if profile not in {"development", "test", "production"}:
        raise ValueError(f"must be development, test or production, not {profile!r}")
    return profile


@dataclass(frozen=True)
class Setting:
    parse: Callable[[str], Any]
    # The value when the variable is unset; a function of the values read before it when
    # it depends on them.
    default: Any
    meaning: str
    # How the docs show the default, when the value itself would mislead (a computed
    # default, a development-only key).
    shown: str | None = None
    # False: an input settings.py composes into another setting, not a setting of its own.
    django_setting: bool = True


def _development(values: Mapping[str, Any]) -> bool:
    return values["DJANGO_ENV"] == "development"


SETTING_DEFINITIONS: dict[str, Setting] = {
    # --- The process
    "DJANGO_ENV": Setting(_profile, "development", "`development`, `test` (set by the test suite) or `production`"),
    "DEBUG": Setting(
        _flag, _development, "Django's debug pages; production refuses it", shown="on in development, else off"
    ),
    "SANDBOX": Setting(
        _flag,
        True,
        "development only: point the gateways at the local sandbox (sandbox/env.py) unless set to 0",
        django_setting=False,
    ),
    "VAR_DIR": Setting(
        _path,
        BASE_DIR / "var",
        "where the embedded engines, audit checkpoints, static files and the beat schedule live",
        shown="`var/`",
    ),
    "LOG_LEVEL": Setting(_text, "INFO", "level of the root logger (JSON lines on stdout)"),
    # --- Hosts and keys
    "SECRET_KEY": Setting(
        _text, DEV_SECRET_KEY, "Django's signing key; required in production", shown="a development-only value"
    ),
    "ALLOWED_HOSTS": Setting(
        _names, ["127.0.0.1", "localhost", "testserver"], "host names served; required in production"
    ),
    "CSRF_TRUSTED_ORIGINS": Setting(_names, [], "origins trusted for unsafe requests (https://...)"),
    "FIELD_ENCRYPTION_KEYS": Setting(
        _names,
        [DEV_FIELD_KEY],
        "base64 32-byte keys of encrypted fields; the first encrypts, all decrypt; required in production",
        shown="a development-only key",
    ),
    "BLIND_INDEX_KEY": Setting(
        _text,
        DEV_BLIND_INDEX_KEY,
        "HMAC key of the blind indexes (lookups of encrypted values); rotating it means recomputing "
        "every index, so it is apart from the encryption keys; required in production",
        shown="a development-only key",
    ),
    "AUDIT_CHAIN_KEYS": Setting(
        _names,
        [DEV_AUDIT_CHAIN_KEY],
        "base64 keys (32+ bytes) of the audit chain, newest first: the first keys new events and "
        "checkpoints, every one verifies; kept out of the database so its owner cannot recompute "
        "the chain; required in production",
        shown="a development-only key",
    ),
    "AUDIT_CHECKPOINT_PATH": Setting(
        _path,
        lambda values: values["VAR_DIR"] / "audit" / "checkpoints.jsonl",
        "signed checkpoints of the audit chain's head, appended; in production on storage the "
        "database host cannot write (docs/security/auditchain.md)",
        shown="`$VAR_DIR/audit/checkpoints.jsonl`",
    ),
    # --- The web process (gunicorn.conf.py reads these; gunicorn's, not Django's)
    "WEB_BIND": Setting(_text, "127.0.0.1:8000", "address gunicorn listens on", django_setting=False),
    "WEB_CONCURRENCY": Setting(_integer, 2, "gunicorn worker processes", django_setting=False),
    "WEB_THREADS": Setting(_integer, 4, "threads per gunicorn worker", django_setting=False),
    "WEB_ACCESS_LOG": Setting(
        _text,
        "-",
        "where access log lines go: `-` (stdout), a path, or empty for none",
        django_setting=False,
    ),
    # --- PostgreSQL, Redis, Celery, the outbox
    "DATABASE_URL": Setting(
        _text,
        "",
        "the PostgreSQL database, a `postgres://` URL with its credentials; required in every profile",
        shown="none: `make` starts an embedded one (tools/engines.py)",
        django_setting=False,
    ),
    "DB_CONN_MAX_AGE": Setting(
        _integer, 60, "seconds a database connection is kept for reuse (DATABASES' CONN_MAX_AGE)", django_setting=False
    ),
    "DB_PREPARE_THRESHOLD": Setting(
        _prepare_threshold,
        5,
        "statements run through a server-binding cursor (the ledger's posting, the audit append) are prepared on a "
        "connection after this many runs; `off` behind a transaction-pooling PgBouncer older than 1.21 (or without "
        "`max_prepared_statements`)",
        django_setting=False,
    ),
    "REDIS_URL": Setting(
        _text,
        "",
        "Redis for the cache, throttles, Celery and the AML stream, `redis://host:6379/0`; required in every profile",
        shown="none: `make` starts an embedded one",
    ),
    "CELERY_BROKER_URL": Setting(
        _text, lambda values: values["REDIS_URL"], "Celery's broker", shown="`REDIS_URL`'s value"
    ),
    "CELERY_RESULT_BACKEND": Setting(
        _text, lambda values: values["REDIS_URL"], "where Celery keeps task results", shown="`REDIS_URL`'s value"
    ),
    "OUTBOX_RETENTION_SECONDS": Setting(
        _integer, 7 * 24 * 3600, "sent outbox messages are kept this long for inspection, then purged (docs/outbox.md)"
    ),
    # --- Requests, sessions, the API
    "TRUSTED_PROXY_COUNT": Setting(
        _integer,
        0,
        "reverse proxies in front of the app that each append to X-Forwarded-For; 0 trusts no "
        "forwarded header (throttles, lockouts and the audit trail read the caller's address)",
    ),
    "SECURE_SSL_REDIRECT": Setting(
        _flag, True, "production only: redirect plain HTTP to HTTPS (off when the proxy does it)", django_setting=False
    ),
    "DATA_UPLOAD_MAX_MEMORY_SIZE": Setting(
        _integer,
        1024 * 1024,
        "ceiling on any request body read into memory (forms, the API, webhooks), bytes; uploaded files are streamed",
    ),
    "STAFF_SESSION_IDLE_SECONDS": Setting(
        _integer, 15 * 60, "staff sessions end after this long without a request (PCI DSS 8.2.8)"
    ),
    "CUSTOMER_SESSION_IDLE_SECONDS": Setting(
        _integer, 30 * 60, "customer sessions end after this long without a request"
    ),
    "CUSTOMER_MINIMUM_AGE": Setting(
        _integer, 18, "the youngest a customer may be on the day they sign up (legal capacity to contract), years"
    ),
    "STAFF_API_TOKEN_HOURS": Setting(
        _integer, 8, "how long a staff member's API token lasts (a partner's lasts until revoked), hours"
    ),
    "API_THROTTLE_ANON": Setting(_text, "60/minute", "API requests per anonymous address", django_setting=False),
    "API_THROTTLE_USER": Setting(_text, "1200/minute", "API requests per signed-in client", django_setting=False),
    "API_THROTTLE_AUTH_FAILURE": Setting(
        _text,
        "20/minute",
        "invalid API tokens per address; past it every token from there gets 429",
        django_setting=False,
    ),
    # --- Email (sign-up confirmation, password reset)
    "EMAIL_BACKEND": Setting(
        _text,
        lambda values: (
            "django.core.mail.backends.smtp.EmailBackend"
            if values["DJANGO_ENV"] == "production"
            else "django.core.mail.backends.console.EmailBackend"
        ),
        "how mail is sent",
        shown="SMTP in production, the console elsewhere",
    ),
    "EMAIL_HOST": Setting(_text, "localhost", "the SMTP relay"),
    "EMAIL_PORT": Setting(_integer, 587, "its port"),
    "EMAIL_HOST_USER": Setting(_text, "", "its user name"),
    "EMAIL_HOST_PASSWORD": Setting(_text, "", "its password"),
    "EMAIL_USE_TLS": Setting(_flag, True, "STARTTLS to the relay"),
    "DEFAULT_FROM_EMAIL": Setting(_text, "Fintech <no-reply@localhost>", "the sender of the product's mail"),
    # --- Gateways, bank transfers, reconciliation
    "STRIPE_API_KEY": Setting(_text, "", "secret API key (sk_...)"),
    "STRIPE_API_BASE": Setting(_text, "https://api.stripe.com", "API base address; the tests point it at a local fake"),
    "STRIPE_PUBLISHABLE_KEY": Setting(_text, "", "publishable key (pk_...) for the checkout's Payment Element"),
    "STRIPE_JS_URL": Setting(
        _text,
        "https://js.stripe.com/v3/",
        "where the checkout loads Stripe.js from; production refuses any address but Stripe's",
    ),
    "STRIPE_WEBHOOK_SECRETS": Setting(
        _names,
        [],
        "comma-separated signing secrets (whsec_...); any may match, so a "
        "secret can be rotated; empty refuses every webhook",
    ),
    "BRAINTREE_MERCHANT_ID": Setting(_text, "", "merchant id"),
    "BRAINTREE_PUBLIC_KEY": Setting(_text, "", "API public key (also names the key in webhook signatures)"),
    "BRAINTREE_PRIVATE_KEY": Setting(_text, "", "API private key (signs webhooks and the challenge answer)"),
    "BRAINTREE_ENVIRONMENT": Setting(_text, "sandbox", "sandbox or production"),
    "BRAINTREE_API_URL": Setting(_text, "", "override the gateway's address, e.g. the tests' fake"),
    "BRAINTREE_DROPIN_URL": Setting(
        _text,
        "https://js.braintreegateway.com/web/dropin/1.44.1/js/dropin.min.js",
        "where the checkout loads the Drop-in from; production refuses any address but Braintree's",
    ),
    "BRAINTREE_MERCHANT_ACCOUNTS": Setting(
        _currency_map,
        {},
        "`USD=acct_usd,EUR=acct_eur`: the merchant account per currency (unlisted currencies use the default account)",
    ),
    "PLAID_CLIENT_ID": Setting(_text, "", "API client id"),
    "PLAID_SECRET": Setting(_text, "", "API secret"),
    "PLAID_HOST": Setting(_text, "https://sandbox.plaid.com", "API base address"),
    "PLAID_LINK_URL": Setting(
        _text,
        "https://cdn.plaid.com/link/v2/stable/link-initialize.js",
        "where the bank page loads Plaid Link from; production refuses any address but Plaid's",
    ),
    "PLAID_WEBHOOK_URL": Setting(_text, "", "the address Plaid posts webhooks to (.../webhooks/plaid/), given to Link"),
    "PLAID_COUNTRY_CODES": Setting(_names, ["US"], "countries offered in Link"),
    "TRANSFER_MIN_AMOUNT": Setting(_integer, 100, "smallest transfer, minor units"),
    "TRANSFER_MAX_AMOUNT": Setting(_integer, 1_000_000, "largest transfer, minor units"),
    "TRANSFER_FIRST_MAX_AMOUNT": Setting(
        _integer, 250_000, "per-transfer limit until the customer's first transfer settled"
    ),
    "TRANSFER_NEW_ACCOUNT_MAX_AMOUNT": Setting(_integer, 250_000, "per-transfer limit to a newly linked account"),
    "TRANSFER_NEW_ACCOUNT_DAYS": Setting(_integer, 7, "how long an account counts as newly linked, days"),
    "TRANSFER_DAILY_LIMIT": Setting(_integer, 2_500_000, "per customer and direction over the last 24 hours"),
    "TRANSFER_30_DAY_LIMIT": Setting(_integer, 10_000_000, "per customer and direction over the last 30 days"),
    "RECONCILIATION_GATEWAYS": Setting(_lowercase_names, ["stripe"], "gateways the nightly reconciliation covers"),
    "RECONCILIATION_DATE_WINDOW_DAYS": Setting(
        _integer,
        3,
        "how far apart a record without a reference and its ledger record may be, days",
    ),
    "RECONCILIATION_WORK_MEM": Setting(
        _text,
        "128MB",
        "PostgreSQL work_mem of the matching transaction, so its hash joins stay in memory",
    ),
    # --- Compliance (the threshold's meaning and how it was tuned: compliance/conf.py, docs/screening.md)
    "SCREENING_THRESHOLD": Setting(
        _number,
        88.0,
        "final score (0-100) at or above which a screening match is a hit",
    ),
    "SCREENING_MAX_MATCHES": Setting(_integer, 10, "matches returned (and considered) per screened name"),
    "AML_STREAM": Setting(_text, "transactions", "the Redis stream transaction events go to and monitoring reads"),
    "AML_GROUP": Setting(_text, "aml", "monitoring's consumer group on that stream"),
    "AML_MAX_ATTEMPTS": Setting(_integer, 5, "failed evaluations after which an event is poison (dead-lettered)"),
    "AML_RECLAIM_IDLE_MS": Setting(
        _integer,
        60_000,
        "pending entries idle this long belong to a dead (or stuck) consumer and are reclaimed, ms",
    ),
    "COMPLIANCE_CASE_SLA_DAYS": Setting(_integer, 30, "days from opening a case to its SLA due date"),
    "COMPLIANCE_ATTACHMENT_MAX_BYTES": Setting(
        _integer, 10 * 1024 * 1024, "largest evidence attachment accepted, bytes"
    ),
    "COMPLIANCE_ATTACHMENT_TYPES": Setting(
        _names,
        ["application/pdf", "image/png", "image/jpeg", "text/plain", "text/csv"],
        "content types of evidence attachments accepted",
    ),
    "COMPLIANCE_FX_BASE": Setting(_text, "GBP", "currency of the monitoring thresholds (minor units)"),
    "COMPLIANCE_FX_RATES": Setting(
        _currency_map,
        {"USD": "0.79", "EUR": "0.85", "JPY": "0.0053", "CHF": "0.89", "CAD": "0.58", "AUD": "0.52"},
        "reference rates to the base currency, major units of the base per major unit "
        "(compliance/monitoring/fx.py); a currency without one is compared unconverted",
    ),
}


def settings_from_environment(environ: Mapping[str, str], *, names: Iterable[str] | None = None) -> dict[str, Any]:
    """The typed value of each setting (of `names`, default all, in the registry's order)
    from `environ`; a setting absent from `environ` gets its default. A malformed value
    raises ImproperlyConfigured naming the variable, so a process refuses to start rather
    than run with a limit it did not mean."""
    wanted = set(SETTING_DEFINITIONS if names is None else names)
    values: dict[str, Any] = {}
    for name, definition in SETTING_DEFINITIONS.items():
        if name in environ:
            try:
                values[name] = definition.parse(environ[name])
            except ValueError as exc:
                raise ImproperlyConfigured(f"{name}: {exc}") from exc
        elif callable(definition.default):
            values[name] = definition.default(values)
        else:
            values[name] = copy.deepcopy(definition.default)
    unknown = wanted - set(SETTING_DEFINITIONS)
    if unknown:
        raise KeyError(f"not defined in config/setting_definitions.py: {', '.join(sorted(unknown))}")
    return {name: value for name, value in values.items() if name in wanted}


def django_settings(values: Mapping[str, Any]) -> dict[str, Any]:
    """The values that are Django settings of their own name."""
    return {name: value for name, value in values.items() if SETTING_DEFINITIONS[name].django_setting}


def _shown(definition: Setting) -> str:
    """The default as the docs show it: a value in code type, a description as text."""
    if definition.shown is not None:
        return definition.shown
    default = definition.default
    if isinstance(default, dict):
        text = ",".join(f"{k}={v}" for k, v in default.items())
    elif isinstance(default, list):
        text = ",".join(default)
    elif isinstance(default, bool):
        text = "1" if default else "0"
    else:
        text = str(default)
    return f"`{text}`" if text else "empty"


def settings_table_markdown() -> str:
    """The table of docs/configuration.md, generated from SETTING_DEFINITIONS
    (`python -m tools.settings_table` rewrites it; a test keeps it in step)."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, definition in SETTING_DEFINITIONS.items():
        rows.append(f"| `{name}` | {_shown(definition)} | {definition.meaning} |")
    return "\n".join(rows) + "\n"
