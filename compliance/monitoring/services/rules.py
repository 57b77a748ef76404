"""The rule rows: a version per change, and the library's defaults present on every database
(fresh, or flushed between transactional tests)."""

from __future__ import annotations

from django.db import transaction

from compliance.monitoring.models import Rule
from compliance.monitoring.rules import DEFAULT_RULES
from fintech.services.audit import audit_event_record


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


@transaction.atomic
def rule_version_create(*, rule: Rule, actor, params: dict, enabled: bool, severity: str) -> Rule:
    """A change to a rule is a new version; the old row stays, for the alerts it raised."""
    current = Rule.objects.select_for_update().get(code=rule.code, is_current=True)
    Rule.objects.filter(pk=current.pk).update(is_current=False)
    new = Rule.objects.create(
        code=current.code,
        version=current.version + 1,
        params=params,
        enabled=enabled,
        severity=severity,
        is_current=True,
    )
    audit_event_record(
        action="compliance.rule.versioned",
        actor=actor,
        target=new,
        before={
            "version": current.version,
            "params": current.params,
            "enabled": current.enabled,
            "severity": current.severity,
        },
        after={"version": new.version, "params": new.params, "enabled": new.enabled, "severity": new.severity},
    )
    return new
