"""The compliance dashboard: figures right on a crafted book, charts rendered inline, 403 for others."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from compliance.cases.models import Case
from compliance.workplace.dashboard import dashboard_figures
from fintech.roles import ANALYST
from tests.factories import CustomerFactory, make_staff

from .conftest import make_alert, make_case

pytestmark = pytest.mark.django_db
URL = "/admin/compliance/alert/dashboard/"
S = Case.State


@pytest.fixture
def book(db):
    worker, _ = make_staff("worker@example.com", role=ANALYST)
    c = [CustomerFactory() for _ in range(9)]
    # open cases: <1d, 1-7d, 7-30d (two), >30d (past its 30-day SLA, assigned)
    fresh = make_case(c[0], age_days=0.5)
    make_case(c[1], age_days=3)
    make_case(c[2], age_days=10)
    make_case(c[3], state=S.IN_REVIEW, age_days=20)
    make_case(c[4], state=S.ESCALATED, age_days=45, assignee=worker)
    # decided cases: two alerts closed as false positive, one SAR filed (structuring); one closed no action
    fp = make_case(c[5], state=S.CLOSED_FALSE_POSITIVE, age_days=40, closed=True)  # decided after its due date
    sar = make_case(c[6], state=S.SAR_FILED, age_days=5, closed=True)
    no_action = make_case(c[7], state=S.CLOSED_NO_ACTION, age_days=5, closed=True)
    make_alert(c[5], rule="structuring", case=fp)
    make_alert(c[5], rule="structuring", case=fp, age_days=2)
    make_alert(c[6], rule="structuring", case=sar)
    make_alert(c[7], rule="large_transaction", case=no_action)
    make_alert(c[0], rule="large_transaction", case=fresh)
    make_alert(c[8], rule="velocity", age_days=45)  # outside the 30 days
    return worker


def test_the_figures_of_a_crafted_book(book):
    figures = dashboard_figures()
    today = timezone.localdate()
    assert figures.alerts_per_day == {
        (today, "structuring"): 2,
        (today - datetime.timedelta(days=2), "structuring"): 1,
        (today, "large_transaction"): 2,
    }
    assert figures.rules == ["large_transaction", "structuring"] and len(figures.days) == 30
    assert figures.open_by_age == [("< 1 day", 1), ("1-7 days", 1), ("7-30 days", 2), ("> 30 days", 1)]
    rates = {r.rule_code: (r.decided, r.false_positive) for r in figures.fp_rates}
    assert rates == {"structuring": (3, 2), "large_transaction": (1, 0)}
    assert figures.sla_breached_open == 1
    assert figures.sla_breached_by_assignee == [("worker@example.com", 1)]
    assert figures.sla_breached_closed_recently == 1


def test_the_page_renders_the_charts_inline(officer_client, book):
    page = officer_client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart"') == 4
    assert re.search(r'data-rule="structuring"><td>structuring</td><td class="n">3</td>', html)
    assert re.search(
        r'data-rule="structuring"><td>structuring</td><td class="n">3</td><td class="n">2</td>'
        r'<td class="rate">67%</td>',
        html,
    )
    assert '<span class="dashboard-figure" id="sla-open">1</span>' in html
    assert 'data-bucket="7-30 days"><td>7-30 days</td><td class="n">2</td>' in html


def test_the_admin_index_links_the_workplace(officer_client):
    index = officer_client.get("/admin/")
    assert b'href="/admin/compliance/alert/dashboard/"' in index.content
    assert b'href="/admin/compliance/alert/search/"' in index.content


def test_auditors_read_the_dashboard(auditor_client):
    assert auditor_client.get(URL).status_code == 200


def test_payments_operations_get_403(payments_ops_client):
    assert payments_ops_client.get(URL).status_code == 403


def test_the_dashboard_costs_a_fixed_number_of_queries(officer_client, book, django_assert_max_num_queries):
    officer_client.get(URL)
    # 5 for the session, user, device and permissions, 6 figures, 3 for the session's idle-timeout stamp
    with django_assert_max_num_queries(14):
        assert officer_client.get(URL).status_code == 200
