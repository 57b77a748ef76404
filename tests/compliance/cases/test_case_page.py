"""The case page: what it shows, that opening it is audited, and a bounded number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compliance.cases.models import Case
from compliance.monitoring.models import Alert
from fintech.models import AuditEvent
from tests.compliance.cases.conftest import suspicious_events
from tests.compliance.monitoring.helpers import T0, days, event, hours, run
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _url(case: Case) -> str:
    return f"/admin/compliance/case/{case.pk}/case/"


def test_the_case_page_shows_the_customer_alerts_evidence_timeline_and_counterparties(alerted_case, staff, login):
    client = login(staff, "analyst")
    response = client.get(_url(alerted_case))
    assert response.status_code == 200
    html = response.content.decode()
    customer = alerted_case.customer
    assert customer.legal_name in html and customer.external_id in html
    assert customer.get_risk_rating_display() in html
    for rule in alerted_case.alerts.values_list("rule_code", flat=True):
        assert rule in html
    assert "7,500.00 GBP" in html and "25,000.00 GBP" in html  # evidence, formatted from minor units
    assert "IR-ACME-TRADING" in html and "cash-desk" in html  # counterparties
    assert 'id="transition-form"' in html and 'id="comment-form"' in html
    viewed = AuditEvent.objects.get(action="compliance.case.viewed")
    assert (viewed.actor, viewed.target_id) == (staff.analyst, str(alerted_case.pk))


def test_the_changelist_and_the_change_view_lead_to_the_case_page(alerted_case, staff, login):
    client = login(staff, "officer_a")
    listing = client.get("/admin/compliance/case/")
    assert listing.status_code == 200 and alerted_case.reference in listing.content.decode()
    change = client.get(f"/admin/compliance/case/{alerted_case.pk}/change/")
    assert change.status_code == 302 and change["Location"].endswith(_url(alerted_case))


def _big_case() -> Case:
    """Many alerts and many transactions for one customer: each round's episodes are closed by an
    officer before the next, so the pattern recurring opens new alerts in the same case."""
    customer = CustomerFactory()
    for d in range(12):
        events = suspicious_events(customer, start=T0 + days(d * 3))
        events += [
            event(customer, T0 + days(d * 3) + hours(6 + i / 10), 1_000 + i, "out", account=f"cp-{d}-{i}")
            for i in range(12)
        ]
        run(events, "batch")
        Alert.objects.filter(customer=customer, status=Alert.Status.OPEN).update(status=Alert.Status.CLOSED)
    return Case.objects.get(customer=customer)


def test_the_case_page_issues_a_bounded_number_of_queries(alerted_case, staff, login):
    client = login(staff, "officer_a")
    small, big = alerted_case, _big_case()
    assert big.alerts.count() >= 5 * small.alerts.count()
    counts = []
    for case in (small, big):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_url(case)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 30
