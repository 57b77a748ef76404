"""System checks of the core's settings: the security settings (`manage.py check --deploy`)
and the screening port's implementation (every `manage.py check`)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

from fintech.gateway_secret_policy import GATEWAY_SECRETS, gateway_secret_problems
from fintech.key_policy import production_key_problems
from fintech.party_screening import party_screening_implementation

# fintech.E001, E002, E003: one stable id per key, whatever else is wrong.
CHECKED_KEYS = ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "AUDIT_CHAIN_KEYS")


@register(Tags.security, deploy=True)
def production_keys_check(app_configs, **kwargs) -> list[Error]:
    """The development keys, or keys too short to be random secrets, fail the deploy check
    (production itself refuses them earlier, in settings)."""
    problems = production_key_problems(
        secret_key=settings.SECRET_KEY,
        field_keys=settings.FIELD_ENCRYPTION_KEYS,
        blind_index_key=settings.BLIND_INDEX_KEY,
        audit_chain_keys=settings.AUDIT_CHAIN_KEYS,
        committed_keys=settings.COMMITTED_KEYS,
    )
    return [
        Error(
            problem,
            hint="Generate a new random key for production and keep it out of the repository.",
            id=f"fintech.E{CHECKED_KEYS.index(name) + 1:03d}",
        )
        for name, problem in problems.items()
    ]


# fintech.E005 Stripe, E006 Plaid: one stable id per gateway.
GATEWAY_CHECK_IDS = {"stripe": "fintech.E005", "plaid": "fintech.E006"}


@register(Tags.security, deploy=True)
def gateway_secrets_check(app_configs, **kwargs) -> list[Error]:
    """An enabled gateway (any of its settings set) whose secrets are missing or placeholders
    fails the deploy check: its webhooks would all be refused, or its calls all fail, with
    customers' money in flight (production itself refuses them earlier, in settings)."""
    names = {name for spec in GATEWAY_SECRETS.values() for name in (*spec["enabled_by"], *spec["secrets"])}
    values = {name: getattr(settings, name) for name in names}
    return [
        Error(
            f"{gateway.capitalize()} is enabled but: " + "; ".join(found),
            hint="Set the secrets the provider issued for this deployment, or unset every "
            f"{gateway.upper()}_ setting to turn {gateway.capitalize()} off.",
            id=GATEWAY_CHECK_IDS[gateway],
        )
        for gateway, found in gateway_secret_problems(values).items()
    ]


@register()
def party_screening_check(app_configs, **kwargs) -> list[Error]:
    """The screening port's implementation (settings.PARTY_SCREENING) imports and offers both
    functions. Without it every transfer would be refused as unscreened and no bank item
    could be linked; this way `manage.py check` and `migrate` (which every deployment runs
    before its processes start) fail and say why (fintech.E007)."""
    try:
        implementation = party_screening_implementation()
    except (ImportError, AttributeError, TypeError) as exc:
        problem = f"PARTY_SCREENING does not name an importable module: {exc}"
    else:
        missing = [
            name for name in ("screen_party", "party_is_blocked") if not callable(getattr(implementation, name, None))
        ]
        if not missing:
            return []
        problem = f"PARTY_SCREENING ({settings.PARTY_SCREENING}) lacks " + ", ".join(missing)
    return [
        Error(
            problem,
            hint="Name the module that implements fintech.party_screening.PartyScreening "
            "(compliance's screening service).",
            id="fintech.E007",
        )
    ]
