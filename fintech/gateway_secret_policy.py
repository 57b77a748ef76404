"""What a gateway's secrets must be in production, checked where production starts
(config/settings.py refuses to boot) and by `check --deploy` (fintech.checks: fintech.E005
Stripe, fintech.E006 Plaid), so both apply one rule to the same values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# A gateway is enabled in a deployment as soon as any of these is set; then its secrets must
# be real ones. Braintree is not listed: its keys are checked by the SDK on first use.
GATEWAY_SECRETS = {
    "stripe": {
        "enabled_by": ("STRIPE_API_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRETS"),
        "secrets": {"STRIPE_API_KEY": ("sk_", "rk_"), "STRIPE_WEBHOOK_SECRETS": ("whsec_",)},
    },
    "plaid": {
        "enabled_by": ("PLAID_CLIENT_ID", "PLAID_SECRET", "PLAID_WEBHOOK_URL"),
        "secrets": {"PLAID_CLIENT_ID": ("",), "PLAID_SECRET": ("",)},
    },
}
# Shorter than any secret the providers issue (Stripe's keys are ~100 characters, Plaid's
# client id 24 and secret 30): a value this short was typed by a person.
GATEWAY_SECRET_MIN_LENGTH = 20
PLACEHOLDER_MARKERS = (
    "changeme",
    "change-me",
    "change_me",
    "replace",
    "placeholder",
    "your_",
    "your-",
    "xxx",
    "todo",
    "example",
    "dummy",
    "<",
    ">",
    "...",
)


def _secret_problem(name: str, value: str, prefixes: tuple[str, ...]) -> str | None:
    lowered = value.lower()
    if not value:
        return f"{name} is missing"
    if any(marker in lowered for marker in PLACEHOLDER_MARKERS) or len(value) < GATEWAY_SECRET_MIN_LENGTH:
        return f"{name} looks like a placeholder, not a secret the provider issued"
    if not value.startswith(prefixes):
        return f"{name} must start with {' or '.join(prefixes)}"
    return None


def gateway_secret_problems(values: Mapping[str, Any]) -> dict[str, list[str]]:
    """Per enabled gateway, why its secrets cannot be production's; empty when they can.
    `values` are the typed settings: as read at start-up, or `django.conf.settings`."""
    problems: dict[str, list[str]] = {}
    for gateway, spec in GATEWAY_SECRETS.items():
        if not any(values.get(name) for name in spec["enabled_by"]):
            continue
        found = []
        for name, prefixes in spec["secrets"].items():
            value = values.get(name)
            for item in (value if isinstance(value, list) else [value or ""]) or [""]:
                if problem := _secret_problem(name, item, prefixes):
                    found.append(problem)
                    break
        if found:
            problems[gateway] = found
    return problems
