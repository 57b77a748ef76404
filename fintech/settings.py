"""Settings for the fintech back-office.

How the settings are layered:
1. Everything is read from the process environment (and from a `.env` file in the
   project root, if one exists) through django-environ, with a typed default.
2. DATABASE_URL (PostgreSQL) and REDIS_URL are required in every profile: one code path,
   the one production runs. In development `make run` / `make test` (that is,
   `python -m tools.engines -- CMD`) start embedded ones when they are unset. The other
   defaults are development-only keys.
3. `DJANGO_ENV` selects the profile: `development` (default), `test` (set by the
   test suite), or `production`. Production refuses to boot when a secret is missing,
   refuses `DEBUG`, and turns on every transport-security setting so that
   `manage.py check --deploy --fail-level WARNING` reports nothing.
4. The providers' settings (Stripe, Braintree, Plaid), transfer limits and reconciliation
   are defined once, typed, in fintech/provider_settings.py and land here as settings.
Celery is never switched to eager mode by the settings: eager mode is only ever set
explicitly by a test that wants it.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import csp.constants as csp
import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from fintech.key_policy import production_key_problems
from fintech.production_env import REQUIRED_AT_BOOT
from fintech.provider_settings import gateway_secret_problems, provider_settings
from fintech.sandbox_policy import sandbox_settings_in
from sandbox.env import SANDBOX_ENV

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be development, test or production, not {DJANGO_ENV!r}")
PRODUCTION = DJANGO_ENV == "production"

# Development-only material. Production refuses to start with any of these missing
# from the environment, or set to one of these, or too short (fintech/key_policy.py), so
# these values can never protect real data.
_DEV_SECRET_KEY = "dev-only-insecure-secret-key-never-used-in-production-0123456789"  # noqa: S105  # nosec B105
_DEV_FIELD_KEY = "ZGV2LW9ubHktZmllbGQta2V5LW5vdC1mb3ItcHJvZCE="  # base64 of 32 bytes  # noqa: S105
_DEV_BLIND_INDEX_KEY = "ZGV2LW9ubHktYmxpbmQtaW5kZXgta2V5LW5vdC1mb3ItcHJvZA=="  # noqa: S105
_DEV_AUDIT_CHAIN_KEY = "ZGV2LW9ubHktYXVkaXQtY2hhaW4ta2V5LW5vdC1wcm9kIQ=="  # noqa: S105
COMMITTED_KEYS = frozenset({_DEV_SECRET_KEY, _DEV_FIELD_KEY, _DEV_BLIND_INDEX_KEY, _DEV_AUDIT_CHAIN_KEY})

# The deployments are checked against the same list (fintech/production_env.py).
REQUIRED_IN_PRODUCTION = REQUIRED_AT_BOOT
if PRODUCTION:
    missing = [name for name in REQUIRED_IN_PRODUCTION if not env.str(name, default="")]
    if missing:
        raise ImproperlyConfigured("DJANGO_ENV=production refuses to start without: " + ", ".join(missing))
    if env.bool("DEBUG", default=False):
        raise ImproperlyConfigured("DJANGO_ENV=production refuses DEBUG=1")
    if sandboxed := sandbox_settings_in(os.environ):
        raise ImproperlyConfigured(
            "DJANGO_ENV=production refuses the development sandbox's gateways: " + ", ".join(sandboxed)
        )
elif DJANGO_ENV == "development" and env.bool("SANDBOX", default=True):
    # Development talks to the local sandbox (`python -m sandbox`, started by `make run`)
    # unless a variable says otherwise; SANDBOX=0 leaves the providers' own defaults.
    for _name, _value in SANDBOX_ENV.items():
        os.environ.setdefault(_name, _value)

DEBUG = False if PRODUCTION else env.bool("DEBUG", default=DJANGO_ENV == "development")
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Field encryption: comma-separated base64 32-byte keys; the first encrypts, all decrypt.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[_DEV_FIELD_KEY])
# HMAC key for blind indexes (lookup-by-value of encrypted fields). Rotating it means
# recomputing every index, so it is kept apart from the encryption keys.
BLIND_INDEX_KEY = env.str("BLIND_INDEX_KEY", default=_DEV_BLIND_INDEX_KEY)
# Audit chain: comma-separated base64 keys (32+ bytes), newest first. The first keys new
# events and signs checkpoints; every listed key verifies, so old segments still verify
# after rotation. Kept out of the database so its owner cannot recompute the chain.
AUDIT_CHAIN_KEYS = env.list("AUDIT_CHAIN_KEYS", default=[_DEV_AUDIT_CHAIN_KEY])
# Signed checkpoints of the chain head, appended, never rewritten. In production this is
# a file on storage the database host cannot write (see docs/security/auditchain.md).
AUDIT_CHECKPOINT_PATH = Path(env.str("AUDIT_CHECKPOINT_PATH", default=str(VAR_DIR / "audit" / "checkpoints.jsonl")))
if PRODUCTION and (
    key_problems := production_key_problems(
        secret_key=SECRET_KEY,
        field_keys=FIELD_ENCRYPTION_KEYS,
        blind_index_key=BLIND_INDEX_KEY,
        audit_chain_keys=AUDIT_CHAIN_KEYS,
        committed_keys=COMMITTED_KEYS,
    )
):
    raise ImproperlyConfigured("DJANGO_ENV=production refuses these keys: " + "; ".join(key_problems.values()))

INSTALLED_APPS = [
    "fintech.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Trigram lookups for the officers' fuzzy search (pg_trgm).
    "django.contrib.postgres",
    "django_otp",
    # No django_otp.plugins.otp_totp: its device keeps the TOTP secret in clear; staff
    # authenticators are fintech.StaffTOTPDevice, whose secret is encrypted at rest.
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "fintech.apps.FintechConfig",
    "ledger.apps.LedgerConfig",
    "payments.apps.PaymentsConfig",
    "banking.apps.BankingConfig",
    "compliance.apps.ComplianceConfig",
]

MIDDLEWARE = [
    "fintech.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the Host header: probes come to the task's own address.
    "fintech.liveness.LivenessProbeMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "fintech.middleware.NoStoreMiddleware",
    "fintech.middleware.IdleSessionTimeoutMiddleware",
    "fintech.middleware.AccessDeniedAuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Axes must be last: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fintech.urls"
WSGI_APPLICATION = "fintech.wsgi.application"
ASGI_APPLICATION = "fintech.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Payment and bank providers, transfer limits, reconciliation, compliance -------------
# One definition per setting (name, type, default, meaning) in fintech/provider_settings.py;
# code reads them from django.conf.settings at call time, so tests override them with
# override_settings. Production refuses an enabled gateway whose secrets are missing or
# placeholders (and `check --deploy` reports it: fintech.E005 Stripe, fintech.E006 Plaid).
globals().update(provider_settings(os.environ))
if PRODUCTION and (gateway_problems := gateway_secret_problems(provider_settings(os.environ))):
    raise ImproperlyConfigured(
        "DJANGO_ENV=production refuses these gateway secrets: "
        + "; ".join(problem for found in gateway_problems.values() for problem in found)
    )

# --- Database, Redis, cache, Celery ----------------------------------------------------
# PostgreSQL and Redis everywhere, never a stand-in: the code has no other path to fall back to.
_missing_services = [name for name in ("DATABASE_URL", "REDIS_URL") if not env.str(name, default="")]
if _missing_services:
    raise ImproperlyConfigured(
        f"{' and '.join(_missing_services)} must be set (PostgreSQL and Redis). For development, "
        "`make run` or `python -m tools.engines -- CMD` starts embedded ones (see docs/development.md)"
    )
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL")}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must name a PostgreSQL database (postgres://...)")
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Statements run through a server-binding cursor (`fintech/db_cursor.py`, the audit append) are
# prepared once they have run this many times on a connection, so the database stops parsing and
# planning them. Django turns preparing off unless told; DB_PREPARE_THRESHOLD=off does the same
# (a transaction-pooling PgBouncer older than 1.21, or one without max_prepared_statements).
_prepare_threshold = env.str("DB_PREPARE_THRESHOLD", default="5")
DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
    "prepare_threshold", None if _prepare_threshold == "off" else int(_prepare_threshold)
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
# The outbox (docs/outbox.md): sent messages are kept this long for inspection, then purged.
OUTBOX_RETENTION_SECONDS = env.int("OUTBOX_RETENTION_SECONDS", default=7 * 24 * 3600)
# The Redis stream the transaction events go to: AML_STREAM, the one compliance's consumer group reads.
TRANSACTION_EVENT_STREAM = provider_settings(os.environ, names=["AML_STREAM"])["AML_STREAM"]
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Workers log through the LOGGING config below (JSON, request id, redaction).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE: dict = {
    "verify-audit-chain-nightly": {
        "task": "fintech.verify_audit_chain",
        "schedule": timedelta(hours=24),
    },
    # Anchors the chain head outside the database: a deleted tail is found back to here.
    "audit-checkpoint-write": {"task": "fintech.audit_checkpoint_write", "schedule": timedelta(minutes=5)},
    # Webhooks drive transaction syncs; this catches up any that were missed.
    "banking-sync-all-items": {"task": "banking.sync_all_items", "schedule": timedelta(hours=6)},
    "banking-sync-transfer-events": {"task": "banking.sync_transfer_events", "schedule": timedelta(hours=1)},
    # The batch AML scan of the previous UTC day (same rules as the real-time consumer).
    "compliance-aml-scan-nightly": {"task": "compliance.run_aml_scan", "schedule": crontab(hour=1, minute=0)},
    # Reconcile the previous UTC day of every gateway in RECONCILIATION_GATEWAYS.
    "payments-reconcile-nightly": {"task": "payments.reconcile_previous_day", "schedule": crontab(hour=3, minute=0)},
    "compliance-train-anomaly-model-weekly": {
        "task": "compliance.train_anomaly_model",
        "schedule": crontab(hour=2, minute=30, day_of_week="sunday"),
    },
}

# --- Authentication and sessions ----------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses locked-out usernames before a password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Customers sign in with their email, found by its blind index (the username is opaque).
    "fintech.auth_backends.CustomerEmailBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "customers:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

# How many reverse proxies in front of the app each append to X-Forwarded-For. 0 (the
# default) trusts no forwarded header: the caller is REMOTE_ADDR. Throttles, lockouts
# and the audit trail all read the address through fintech.lockout.client_ip.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Sign-in lockout (docs/security/auth.md): ten failures lock a staff *username* for 30
# minutes from anywhere (PCI DSS 8.3.4), and lock the *source address* for staff and
# customers alike; a customer address's lock grows with its failures over the day.
# A customer's own account is never locked from someone else's address.
AXES_FAILURE_LIMIT = 10
AXES_LOCKOUT_PARAMETERS = "fintech.lockout.lockout_parameters"
AXES_COOLOFF_TIME = "fintech.lockout.lockout_cool_off"
AXES_CLIENT_IP_CALLABLE = "fintech.lockout.client_ip"
# Each attempt expires on its own cool-off, so a short customer lock never cleans up a
# staff member's 30-minute one.
AXES_USE_ATTEMPT_EXPIRATION = True
# Every failure is kept: it is what makes a customer address's next lock longer.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# Not reset on success: a sign-in to an account the attacker owns would otherwise wipe
# the failures counted against their address.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "fintech.auth.lockout_response"
AXES_VERBOSE = False

STAFF_SESSION_IDLE_SECONDS = env.int("STAFF_SESSION_IDLE_SECONDS", default=15 * 60)
CUSTOMER_SESSION_IDLE_SECONDS = env.int("CUSTOMER_SESSION_IDLE_SECONDS", default=30 * 60)
# The youngest a customer may be on the day they sign up (legal capacity to contract).
CUSTOMER_MINIMUM_AGE = env.int("CUSTOMER_MINIMUM_AGE", default=18)
SESSION_COOKIE_AGE = 12 * 60 * 60  # absolute cap; the idle timeouts above are shorter
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
OTP_TOTP_ISSUER = "Fintech Back-office"
# A staff member's API token lasts this long (a partner's lasts until revoked).
STAFF_API_TOKEN_HOURS = env.int("STAFF_API_TOKEN_HOURS", default=8)

# --- Email (sign-up confirmation, password reset) ------------------------------------
# Production sends through SMTP (EMAIL_HOST etc.); development prints mail to the console.
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Fintech <no-reply@localhost>")

# --- Django REST framework ---------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "fintech.api.authentication.ApiClientTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Deny by default: every view must say who may use it.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
        "user": env.str("API_THROTTLE_USER", default="1200/minute"),
        # Invalid API tokens per address; past it every token from there gets 429.
        "auth_failure": env.str("API_THROTTLE_AUTH_FAILURE", default="20/minute"),
    },
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_PAGINATION_CLASS": "fintech.api.pagination.StableCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "fintech.api.exceptions.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's parsers, bounded in size and JSON depth (fintech/json_input.py): a 400, not a 500.
    "DEFAULT_PARSER_CLASSES": [
        "fintech.api.parsers.BoundedJSONParser",
        "fintech.api.parsers.BoundedFormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Fintech back-office API",
    "DESCRIPTION": "Partner API. Authenticate with `Authorization: Token <client token>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "fintech.api.schema.add_error_responses",
    ],
}

# --- Request bodies ---------------------------------------------------------------------
# The ceiling on any body read into memory: forms (Django), the API's parsers and the
# webhooks' raw bodies (fintech/json_input.py). 1 MiB is far above any gateway event (a
# Stripe event is a few kilobytes); uploaded files are not counted (Django streams them).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)

# --- Internationalisation, static files ---------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

# --- Security headers ------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = 63072000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Content-Security-Policy (django-csp): our own origin only, scripts by origin or by the
# per-response nonce (`request.csp_nonce`), nothing may frame us. Pages that load a
# provider's script add its origins (or, in development, the sandbox's) with
# `fintech.provider_scripts.csp_update_per_request` next to the view
# (payments/checkout.py, banking/views.py), so no other page trusts them. Inline styles
# stay allowed: the admin and the charts use style attributes, and CSS cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF, csp.NONCE],
        "style-src": [csp.SELF, csp.UNSAFE_INLINE],
        "img-src": [csp.SELF, "data:"],
        "connect-src": [csp.SELF],
        "frame-src": [csp.NONE],
        "object-src": [csp.NONE],
        "base-uri": [csp.NONE],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    },
}

# --- Logging: JSON lines with the request id; secrets are redacted ----------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "fintech.logging.RequestIdFilter"},
        "redact": {"()": "fintech.logging.RedactSecretsFilter"},
    },
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id", "redact"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's default configuration gives these their own plain-text handlers: naming
        # them here removes those, so each line is logged once, as JSON, by the root.
        "django": {"level": LOG_LEVEL},
        "django.server": {"level": LOG_LEVEL},
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "stripe": {"level": "WARNING"},
    },
}
