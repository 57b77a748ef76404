"""The ledger's permissions live under its own app label, and moving a database's content
types from `payments` to `ledger` keeps every permission already granted."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType

from fintech import roles
from ledger.models import JournalEntry, LedgerAccount, LedgerHold, Posting
from tests.factories import make_staff

MOVE = importlib.import_module("ledger.migrations.0002_content_types_from_payments")
LEDGER_MODELS = [JournalEntry, LedgerAccount, LedgerHold, Posting]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "may_view"),
    [
        (roles.PAYMENTS_OPERATIONS, True),
        (roles.COMPLIANCE_OFFICER, True),
        (roles.AUDITOR, True),
        (roles.ANALYST, False),
    ],
)
def test_roles_view_the_ledger_under_its_own_label(role, may_view):
    user, _ = make_staff(f"user-{role}".replace(" ", "-").lower(), role)
    for model in LEDGER_MODELS:
        assert user.has_perm(f"ledger.view_{model._meta.model_name}") is may_view
        assert not user.has_perm(f"ledger.change_{model._meta.model_name}")
        assert not user.has_perm(f"payments.view_{model._meta.model_name}")


@pytest.mark.django_db
def test_moving_content_types_from_payments_keeps_granted_permissions():
    # given a database from before the move: the ledger's content types under `payments`,
    # with a permission granted through a role and one granted to a user directly
    user, _ = make_staff("auditor", roles.AUDITOR)
    view_entry = Permission.objects.get(content_type__app_label="ledger", codename="view_journalentry")
    user.user_permissions.add(Permission.objects.get(content_type__app_label="ledger", codename="change_posting"))
    before = {ct.pk: ct.model for ct in ContentType.objects.filter(app_label="ledger")}
    assert set(before.values()) == set(MOVE.MODELS)
    ContentType.objects.filter(pk__in=before).update(app_label="payments")
    ContentType.objects.clear_cache()
    assert type(user).objects.get(pk=user.pk).has_perm("payments.view_journalentry")

    # when the migration moves them
    MOVE.content_types_to_ledger(apps, None)
    ContentType.objects.clear_cache()

    # then the same rows carry the ledger label, and the grants follow them
    assert {ct.pk: ct.model for ct in ContentType.objects.filter(app_label="ledger")} == before
    assert not ContentType.objects.filter(app_label="payments", model__in=MOVE.MODELS).exists()
    fresh = type(user).objects.get(pk=user.pk)
    assert fresh.has_perm("ledger.view_journalentry")
    assert fresh.has_perm("ledger.change_posting")
    assert Permission.objects.get(pk=view_entry.pk).content_type.app_label == "ledger"


@pytest.mark.django_db
def test_moving_content_types_leaves_rows_the_ledger_already_has():
    # given ledger content types that exist already (a database migrated from scratch)
    ids = set(ContentType.objects.filter(app_label="ledger").values_list("pk", flat=True))

    # when the migration runs
    MOVE.content_types_to_ledger(apps, None)

    # then nothing changed
    assert set(ContentType.objects.filter(app_label="ledger").values_list("pk", flat=True)) == ids
    assert not ContentType.objects.filter(app_label="payments", model__in=MOVE.MODELS).exists()
