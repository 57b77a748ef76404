"""System checks of the project's own security settings (`manage.py check --deploy`)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

from fintech.key_policy import production_key_problems

# fintech.E001, E002, E003: one stable id per key, whatever else is wrong.
CHECKED_KEYS = ("SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "AUDIT_CHAIN_KEYS")


@register(Tags.security, deploy=True)
def production_keys_check(app_configs, **kwargs) -> list[Error]:
    """The development keys, or keys too short to be random secrets, fail the deploy check
    (production itself refuses them earlier, in settings)."""
    problems = production_key_problems(secret_key=settings.SECRET_KEY, field_keys=settings.FIELD_ENCRYPTION_KEYS,
                                       blind_index_key=settings.BLIND_INDEX_KEY,
                                       audit_chain_keys=settings.AUDIT_CHAIN_KEYS,
                                       committed_keys=settings.COMMITTED_KEYS)
    return [Error(problem, hint="Generate a new random key for production and keep it out of the repository.",
                  id=f"fintech.E{CHECKED_KEYS.index(name) + 1:03d}") for name, problem in problems.items()]
