"""The alert and case queues' filters: severity, rule, status, assignee (through the case), age, SLA."""

from __future__ import annotations

import pytest

from compliance.cases.models import Case
from compliance.monitoring.models import Alert
from fintech.roles import ANALYST
from tests.factories import CustomerFactory, make_staff

from .conftest import make_alert, make_case

pytestmark = pytest.mark.django_db

ALERTS = "/admin/compliance/alert/"
CASES = "/admin/compliance/case/"


def shown(response, model) -> set[int]:
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


@pytest.fixture
def book(db):
    analyst, _ = make_staff("worker@example.com", role=ANALYST)
    alice, bob = CustomerFactory(legal_name="Alice Archer"), CustomerFactory(legal_name="Bob Baker")
    alice_case = make_case(alice, assignee=analyst, age_days=3)
    bob_case = make_case(bob, state=Case.State.IN_REVIEW, age_days=45, sla_days=30)  # unassigned, SLA breached
    return {
        "analyst": analyst,
        "alice_case": alice_case,
        "bob_case": bob_case,
        "fresh_high": make_alert(alice, rule="structuring", severity="high", case=alice_case),
        "week_medium": make_alert(alice, rule="large_transaction", severity="medium", case=alice_case, age_days=3),
        "month_low": make_alert(bob, rule="round_amounts", severity="low", case=bob_case, age_days=10),
        "old_high": make_alert(
            bob, rule="structuring", severity="high", case=bob_case, age_days=40, status=Alert.Status.ESCALATED
        ),
        "no_case": make_alert(bob, rule="velocity", severity="medium", age_days=0.5),
    }


def test_alert_queue_filters(officer_client, book):
    b = book
    assert shown(officer_client.get(ALERTS), Alert) == {
        b[k].pk for k in ("fresh_high", "week_medium", "month_low", "old_high", "no_case")
    }
    assert shown(officer_client.get(ALERTS, {"severity": "high"}), Alert) == {b["fresh_high"].pk, b["old_high"].pk}
    assert shown(officer_client.get(ALERTS, {"rule": "structuring", "severity": "high", "age": "gt30d"}), Alert) == {
        b["old_high"].pk
    }
    assert shown(officer_client.get(ALERTS, {"status__exact": "escalated"}), Alert) == {b["old_high"].pk}
    assert shown(officer_client.get(ALERTS, {"assignee": b["analyst"].pk}), Alert) == {
        b["fresh_high"].pk,
        b["week_medium"].pk,
    }
    assert shown(officer_client.get(ALERTS, {"assignee": "none"}), Alert) == {
        b["month_low"].pk,
        b["old_high"].pk,
        b["no_case"].pk,
    }
    assert shown(officer_client.get(ALERTS, {"age": "lt1d"}), Alert) == {b["fresh_high"].pk, b["no_case"].pk}
    assert shown(officer_client.get(ALERTS, {"age": "1-7d"}), Alert) == {b["week_medium"].pk}
    assert shown(officer_client.get(ALERTS, {"age": "7-30d"}), Alert) == {b["month_low"].pk}


def test_the_rule_filter_offers_the_library_and_the_list_links_cases(officer_client, book):
    page = officer_client.get(ALERTS)
    assert b"?rule=fan_out" in page.content  # from the rule library, though no alert has it
    assert f"/admin/compliance/case/{book['alice_case'].pk}/case/".encode() in page.content
    assert b"5 alerts" in page.content  # small table: counted exactly


def test_case_queue_filters(officer_client, book):
    b = book
    assert shown(officer_client.get(CASES), Case) == {b["alice_case"].pk, b["bob_case"].pk}
    assert shown(officer_client.get(CASES, {"state__exact": "in_review"}), Case) == {b["bob_case"].pk}
    assert shown(officer_client.get(CASES, {"assignee": b["analyst"].pk}), Case) == {b["alice_case"].pk}
    assert shown(officer_client.get(CASES, {"assignee": "none"}), Case) == {b["bob_case"].pk}
    assert shown(officer_client.get(CASES, {"age": "1-7d"}), Case) == {b["alice_case"].pk}
    assert shown(officer_client.get(CASES, {"age": "gt30d"}), Case) == {b["bob_case"].pk}
    assert shown(officer_client.get(CASES, {"age": "sla_breached"}), Case) == {b["bob_case"].pk}


def test_a_filtered_count_stops_at_the_cap(officer_client, book, monkeypatch):
    from compliance.workplace.paginator import EstimatedCountPaginator

    monkeypatch.setattr(EstimatedCountPaginator, "count_cap", 2)
    page = officer_client.get(ALERTS, {"severity": "high"})
    assert b"2 alerts" in page.content  # exactly two: not capped
    page = officer_client.get(ALERTS, {"assignee": "none"})
    assert b"more than 2 alerts" in page.content


def test_an_unfiltered_count_is_the_planners_estimate_on_big_tables(officer_client, book, monkeypatch):
    from django.db import connection

    from compliance.workplace.paginator import EstimatedCountPaginator

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE compliance_alert")  # counts this transaction's rows as live
    monkeypatch.setattr(EstimatedCountPaginator, "count_cap", 3)
    page = officer_client.get(ALERTS)
    assert page.context["cl"].paginator.estimated
    assert b"about 5 alerts" in page.content
