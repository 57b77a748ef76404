"""The rule library's defaults: every typology has a rule row, on a fresh database and after a flush."""

from __future__ import annotations

from compliance.models import Rule
from compliance.monitoring.rules import DEFAULT_RULES


def default_rules_ensure(**kwargs) -> int:
    """post_migrate receiver: create version 1 of each default rule whose code has no row at all.

    A code with any version (tuned, disabled or not) is left alone, so officers' changes
    are never overwritten; this only fills in typologies a database has never had (a new
    install, a test database flushed between transactional tests, a typology added later).
    A default marked `"enabled": False` is created switched off.
    """
    existing = set(Rule.objects.values_list("code", flat=True).distinct())
    missing = [
        Rule(
            code=code,
            version=1,
            params=spec["params"],
            severity=spec["severity"],
            enabled=spec.get("enabled", True),
            is_current=True,
        )
        for code, spec in DEFAULT_RULES.items()
        if code not in existing
    ]
    Rule.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)
