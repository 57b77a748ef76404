"""Every typology has a rule row after migrate (and after a test flush); tuned rules are never overwritten."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db.models.signals import post_migrate

from compliance.monitoring.models import Rule
from compliance.monitoring.rules import DEFAULT_RULES


@pytest.mark.django_db
def test_post_migrate_fills_in_missing_typologies_and_leaves_tuned_ones_alone():
    Rule.objects.filter(code="fan_in").delete()
    Rule.objects.filter(code="large_transaction").update(params={"threshold": 42}, enabled=False)

    post_migrate.send(
        sender=apps.get_app_config("compliance"),
        app_config=apps.get_app_config("compliance"),
        verbosity=0,
        interactive=False,
        using="default",
        apps=apps,
        plan=[],
    )

    assert set(Rule.objects.filter(is_current=True).values_list("code", flat=True)) == set(DEFAULT_RULES)
    recreated = Rule.objects.get(code="fan_in")
    assert (recreated.version, recreated.params) == (1, DEFAULT_RULES["fan_in"]["params"])
    tuned = Rule.objects.get(code="large_transaction")
    assert (tuned.params, tuned.enabled) == ({"threshold": 42}, False)
