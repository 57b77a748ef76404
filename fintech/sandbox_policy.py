"""Production refuses the development sandbox (sandbox/env.py): its addresses, its keys,
and any provider address on this machine. A deployment that forgot to set a provider's
variables, or copied a development `.env`, must not boot taking "payments" that no bank
will ever see."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from sandbox.env import SANDBOX_ENV

PROVIDER_URLS = (
    "STRIPE_API_BASE",
    "STRIPE_JS_URL",
    "BRAINTREE_API_URL",
    "BRAINTREE_DROPIN_URL",
    "PLAID_HOST",
    "PLAID_LINK_URL",
)
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}  # noqa: S104  # nosec B104 - compared, never bound


def sandbox_settings_in(environ: Mapping[str, str]) -> list[str]:
    """The names of variables in `environ` that point at the sandbox or carry its keys."""
    found = [name for name, value in SANDBOX_ENV.items() if environ.get(name) == value]
    for name in PROVIDER_URLS:
        host = urlsplit(environ.get(name, "")).hostname or ""
        if host in LOOPBACK_HOSTS and name not in found:
            found.append(name)
    return found
