"""Settings for the fintech back-office.

How the settings are layered:
1. Every setting that comes from the process environment (or from a `.env` file in the
   project root, if one exists) is defined once, with its parser, default and meaning, in
   config/setting_definitions.py, and read here once, at start-up. Nothing else reads the
   environment; docs/configuration.md lists them all (generated from the definitions).
2. DATABASE_URL (PostgreSQL) and REDIS_URL are required in every profile: one code path,
   the one production runs. In development `make run` / `make test` (that is,
   `python -m tools.engines -- CMD`) start embedded ones when they are unset. The other
   defaults are development-only keys.
3. `DJANGO_ENV` selects the profile: `development` (default), `test` (set by the
   test suite), or `production`. Production refuses to boot when a required variable or an
   enabled gateway's secret is missing or a placeholder, refuses the development keys and
   `DEBUG`, and turns on every transport-security setting so that
   `manage.py check --deploy --fail-level WARNING` reports nothing.
4. Below, the settings that are code, not deployment choices (apps, middleware, Celery's
   options, the beat schedule, password rules, security headers, logging).
Celery is never switched to eager mode by the settings: eager mode is only ever set
explicitly by a test that wants it.
"""

from __future__ import annotations

import os
from datetime import timedelta

import csp.constants as csp
import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config.production_env import REQUIRED_AT_BOOT
from config.setting_definitions import BASE_DIR, COMMITTED_KEYS, django_settings, settings_from_environment
from fintech.gateway_secret_policy import gateway_secret_problems
from fintech.key_policy import production_key_problems
from fintech.sandbox_policy import sandbox_settings_in
from sandbox.env import SANDBOX_ENV

environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

_profile = settings_from_environment(os.environ, names=["DJANGO_ENV", "DEBUG", "SANDBOX"])
PRODUCTION = _profile["DJANGO_ENV"] == "production"

# The deployments are checked against the same list (config/production_env.py). Present in
# the environment, not merely defaulted: the defaults are development-only values.
REQUIRED_IN_PRODUCTION = REQUIRED_AT_BOOT
if PRODUCTION:
    missing = [name for name in REQUIRED_IN_PRODUCTION if not os.environ.get(name, "").strip()]
    if missing:
        raise ImproperlyConfigured("DJANGO_ENV=production refuses to start without: " + ", ".join(missing))
    if _profile["DEBUG"]:
        raise ImproperlyConfigured("DJANGO_ENV=production refuses DEBUG=1")
    if sandboxed := sandbox_settings_in(os.environ):
        raise ImproperlyConfigured(
            "DJANGO_ENV=production refuses the development sandbox's gateways: " + ", ".join(sandboxed)
        )
elif _profile["DJANGO_ENV"] == "development" and _profile["SANDBOX"]:
    # Development talks to the local sandbox (`python -m sandbox`, started by `make run`)
    # unless a variable says otherwise; SANDBOX=0 leaves the providers' own defaults.
    for _name, _value in SANDBOX_ENV.items():
        os.environ.setdefault(_name, _value)

# Every setting defined in config/setting_definitions.py, as a Django setting of its name
# (DJANGO_ENV, DEBUG, SECRET_KEY, the keys, the gateways, limits, compliance...); the
# inputs that are not settings of their own are composed below.
_values = settings_from_environment(os.environ)
globals().update(django_settings(_values))

if PRODUCTION and (
    key_problems := production_key_problems(
        secret_key=_values["SECRET_KEY"],
        field_keys=_values["FIELD_ENCRYPTION_KEYS"],
        blind_index_key=_values["BLIND_INDEX_KEY"],
        audit_chain_keys=_values["AUDIT_CHAIN_KEYS"],
        committed_keys=COMMITTED_KEYS,
    )
):
    raise ImproperlyConfigured("DJANGO_ENV=production refuses these keys: " + "; ".join(key_problems.values()))
# Production refuses an enabled gateway whose secrets are missing or placeholders (and
# `check --deploy` reports it: fintech.E005 Stripe, fintech.E006 Plaid).
if PRODUCTION and (gateway_problems := gateway_secret_problems(_values)):
    raise ImproperlyConfigured(
        "DJANGO_ENV=production refuses these gateway secrets: "
        + "; ".join(problem for found in gateway_problems.values() for problem in found)
    )

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

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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

# Sanctions screening for the apps that move money (fintech/party_screening.py, the port):
# the module that implements it. Checked at start-up (fintech.E007).
PARTY_SCREENING = "compliance.screening.services"

# --- Database, Redis, cache, Celery ----------------------------------------------------
# PostgreSQL and Redis everywhere, never a stand-in: the code has no other path to fall back to.
_missing_services = [name for name in ("DATABASE_URL", "REDIS_URL") if not _values[name]]
if _missing_services:
    raise ImproperlyConfigured(
        f"{' and '.join(_missing_services)} must be set (PostgreSQL and Redis). For development, "
        "`make run` or `python -m tools.engines -- CMD` starts embedded ones (see docs/development.md)"
    )
VAR_DIR = _values["VAR_DIR"]
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": environ.Env.db_url_config(_values["DATABASE_URL"])}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must name a PostgreSQL database (postgres://...)")
DATABASES["default"].setdefault("CONN_MAX_AGE", _values["DB_CONN_MAX_AGE"])
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Statements run through a server-binding cursor (`fintech/db_cursor.py`, the audit append) are
# prepared once they have run this many times on a connection, so the database stops parsing and
# planning them. Django turns preparing off unless told; DB_PREPARE_THRESHOLD=off does the same
# (a transaction-pooling PgBouncer older than 1.21, or one without max_prepared_statements).
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", _values["DB_PREPARE_THRESHOLD"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _values["REDIS_URL"]}}
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
# The customer dashboard's sections, in order: each app's template, with the customer in
# its context (the core's page includes them by these names, so it loads no app's tags).
CUSTOMER_DASHBOARD_SECTIONS = ["payments/_dashboard_section.html", "banking/_dashboard_section.html"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "customers:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sign-in lockout (docs/security/auth.md): ten failures lock a staff *username* for 30
# minutes from anywhere (PCI DSS 8.3.4), and lock the *source address* for staff and
# customers alike; a customer address's lock grows with its failures over the day.
# A customer's own account is never locked from someone else's address.
AXES_FAILURE_LIMIT = 10
AXES_LOCKOUT_PARAMETERS = "fintech.lockout.lockout_parameters"
AXES_COOLOFF_TIME = "fintech.lockout.lockout_cool_off"
AXES_CLIENT_IP_CALLABLE = "fintech.lockout.client_ip"
# Attempts are stored under a staff username or a keyed pseudonym of the typed email.
AXES_USERNAME_CALLABLE = "fintech.lockout.signin_username_from_request"
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

# STAFF_SESSION_IDLE_SECONDS and CUSTOMER_SESSION_IDLE_SECONDS end idle sessions sooner.
SESSION_COOKIE_AGE = 12 * 60 * 60  # absolute cap; the idle timeouts are shorter
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
OTP_TOTP_ISSUER = "Fintech Back-office"

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
        "anon": _values["API_THROTTLE_ANON"],
        "user": _values["API_THROTTLE_USER"],
        # Invalid API tokens per address; past it every token from there gets 429.
        "auth_failure": _values["API_THROTTLE_AUTH_FAILURE"],
    },
    "NUM_PROXIES": _values["TRUSTED_PROXY_COUNT"],
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
    SECURE_SSL_REDIRECT = _values["SECURE_SSL_REDIRECT"]
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
    "root": {"handlers": ["console"], "level": _values["LOG_LEVEL"]},
    "loggers": {
        # Django's default configuration gives these their own plain-text handlers: naming
        # them here removes those, so each line is logged once, as JSON, by the root.
        "django": {"level": _values["LOG_LEVEL"]},
        "django.server": {"level": _values["LOG_LEVEL"]},
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "stripe": {"level": "WARNING"},
    },
}
