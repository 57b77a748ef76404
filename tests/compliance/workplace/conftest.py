"""Crafted queue data: customers, cases in known states and ages, alerts of known rules and severities."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.utils import timezone

from compliance.cases.models import Case
from compliance.monitoring.models import Alert
from fintech.roles import ANALYST, AUDITOR, COMPLIANCE_OFFICER, PAYMENTS_OPERATIONS
from tests.factories import PASSWORD, make_staff
from tests.helpers import admin_login

_seq = itertools.count(1)


def make_case(
    customer, *, state=Case.State.NEW, assignee=None, age_days: float = 0, sla_days: float = 30, closed: bool = False
) -> Case:
    opened = timezone.now() - datetime.timedelta(days=age_days)
    return Case.objects.create(
        reference=f"CASE-T{next(_seq):05d}",
        customer=customer,
        state=state,
        assignee=assignee,
        opened_at=opened,
        sla_due_at=opened + datetime.timedelta(days=sla_days),
        closed_at=timezone.now() if closed else None,
    )


def make_alert(
    customer, *, rule="large_transaction", severity="medium", case=None, age_days: float = 0, status=Alert.Status.OPEN
) -> Alert:
    now = timezone.now()
    alert = Alert.objects.create(
        rule_code=rule,
        rule_version=1,
        customer=customer,
        window_start=now,
        window_end=now,
        score=1.0,
        severity=severity,
        case=case,
        status=status,
        dedupe_key=f"test:{next(_seq)}",
    )
    if age_days:  # created_at is auto_now_add: backdate it
        Alert.objects.filter(pk=alert.pk).update(created_at=now - datetime.timedelta(days=age_days))
        alert.refresh_from_db()
    return alert


def logged_in(client, role: str | None, username: str, superuser: bool = False):
    user, device = make_staff(username, role=role, superuser=superuser)
    response = admin_login(client, user, device, password=PASSWORD)
    assert response.status_code == 302, response.content[:500]
    return user


@pytest.fixture
def officer_client(client, db):
    client.user = logged_in(client, COMPLIANCE_OFFICER, "officer@example.com")
    return client


@pytest.fixture
def analyst_client(client, db):
    client.user = logged_in(client, ANALYST, "analyst@example.com")
    return client


@pytest.fixture
def auditor_client(client, db):
    client.user = logged_in(client, AUDITOR, "auditor@example.com")
    return client


@pytest.fixture
def payments_ops_client(client, db):
    client.user = logged_in(client, PAYMENTS_OPERATIONS, "ops@example.com")
    return client
