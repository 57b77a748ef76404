"""The environment a production process is given: one list that settings.py enforces and
the deployments (deploy/compose.yaml, deploy/terraform) are checked against
(tests/deploy/), so a variable production needs cannot be added here and forgotten there.

Every product process (web, worker, beat, outbox relay, stream consumers, migrations)
imports the same settings, so each is given all of these.
"""

from __future__ import annotations

# Production refuses to start without these (settings.py raises at import).
REQUIRED_AT_BOOT = (
    "SECRET_KEY",
    "FIELD_ENCRYPTION_KEYS",
    "BLIND_INDEX_KEY",
    "AUDIT_CHAIN_KEYS",
    "ALLOWED_HOSTS",
    "REDIS_URL",
)

# Every profile refuses to start without its PostgreSQL and Redis.
SERVICES = ("DATABASE_URL", "REDIS_URL")

# The providers' credentials (gateways, Plaid, the mail relay). Production starts without
# them (a deployment may not use every gateway, and a missing key only makes that
# provider refuse work), so a reference deployment provides each from the secret store
# and the operator fills in those it uses.
PROVIDER_SECRETS = (
    "STRIPE_API_KEY",
    "STRIPE_PUBLISHABLE_KEY",
    "STRIPE_WEBHOOK_SECRETS",
    "BRAINTREE_MERCHANT_ID",
    "BRAINTREE_PUBLIC_KEY",
    "BRAINTREE_PRIVATE_KEY",
    "PLAID_CLIENT_ID",
    "PLAID_SECRET",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
)

# Settings whose development default is wrong in production: the profile itself, the
# proxies in front of the web process (else every client is the load balancer's
# address to throttles, lockouts and the audit trail), Plaid's host (its default is
# Plaid's sandbox) and where Plaid posts its webhooks (none are registered without it),
# and the mail relay of sign-up confirmations and password resets (default: localhost).
DEPLOYMENT = (
    "DJANGO_ENV",
    "TRUSTED_PROXY_COUNT",
    "PLAID_HOST",
    "PLAID_WEBHOOK_URL",
    "EMAIL_HOST",
    "DEFAULT_FROM_EMAIL",
)

# Values that must come from a secret store, never from a plain environment entry in a
# task definition or compose file: keys, credentials, and the service URLs (they carry
# passwords).
SECRETS = frozenset(
    {"SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "AUDIT_CHAIN_KEYS", *SERVICES, *PROVIDER_SECRETS}
)


def production_variables() -> tuple[str, ...]:
    """Every variable each production process must be given, in a stable order."""
    return tuple(dict.fromkeys((*DEPLOYMENT, *REQUIRED_AT_BOOT, *SERVICES, *PROVIDER_SECRETS)))
