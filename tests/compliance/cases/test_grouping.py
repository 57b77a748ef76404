"""Alerts (batch scan and stream) and confirmed screening hits join one open case per customer."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from compliance.cases.models import Case
from compliance.cases.services import case_for_alert, case_transition
from compliance.monitoring.models import Alert
from compliance.screening.models import ScreeningHit
from compliance.screening.review import screening_hit_confirm
from compliance.screening.services import customer_screen
from fintech.models import AuditEvent
from tests.compliance.cases.conftest import suspicious_events
from tests.compliance.monitoring.helpers import T0, days, event, run
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_a_batch_scan_groups_each_customers_alerts_into_one_new_case():
    # given two customers with suspicious histories
    walter, jesse = CustomerFactory(), CustomerFactory()
    # when the batch scan runs over both
    alerts = run(suspicious_events(walter) + suspicious_events(jesse), "batch")
    # then each customer has one new case holding all of their alerts
    assert len(alerts) >= 4
    cases = {c.customer_id: c for c in Case.objects.all()}
    assert set(cases) == {walter.pk, jesse.pk}
    for alert in Alert.objects.all():
        assert alert.case_id == cases[alert.customer_id].pk
    for case in cases.values():
        assert case.state == Case.State.NEW
        assert case.reference == f"CASE-{case.pk:06d}"
        assert (case.sla_due_at - case.opened_at).days == 30
    opened = AuditEvent.objects.get(action="compliance.cases.opened")
    assert sorted(opened.after["case_ids"]) == sorted(c.pk for c in cases.values())


def test_alerts_take_their_severity_from_the_rule_version():
    customer = CustomerFactory()
    run(suspicious_events(customer), "batch")
    severities = dict(Alert.objects.values_list("rule_code", "severity"))
    assert severities["structuring"] == "high"
    assert severities["high_risk_country"] == "high"
    assert severities["large_transaction"] == "medium"


def test_streamed_alerts_join_the_open_case_and_a_closed_case_is_not_reopened(staff):
    customer = CustomerFactory()
    # given a case opened by the batch scan
    run(suspicious_events(customer), "batch")
    first = Case.objects.get(customer=customer)
    # when a new event arrives on the stream and raises an alert
    run([event(customer, T0 + days(3), 3_000_000, "out", account="x", country="KP")], "stream")
    # then it joins the same case
    assert Alert.objects.filter(customer=customer).count() == Alert.objects.filter(case=first).count()
    # when that case is closed and another alert comes
    case_transition(first, Case.State.CLOSED_NO_ACTION, actor=staff.analyst, reason="Explained by payroll.")
    run([event(customer, T0 + days(9), 3_100_000, "out", account="y", country="SY")], "stream")
    # then a new case is opened for it
    second = Case.objects.get(customer=customer, state=Case.State.NEW)
    assert second.pk != first.pk
    assert list(second.alerts.values_list("rule_code", flat=True)) != []
    assert not first.alerts.filter(created_at__gt=second.opened_at).exists()


def test_case_for_alert_returns_the_open_case():
    customer = CustomerFactory()
    alert = run(suspicious_events(customer), "batch")[0]
    assert case_for_alert(alert) == Case.objects.get(customer=customer)


def test_the_database_allows_one_open_case_per_customer(alerted_case):
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(customer=alerted_case.customer, reference="CASE-X", sla_due_at=alerted_case.sla_due_at)


def test_a_confirmed_screening_hit_joins_the_customers_open_case(sdn_subset, staff):
    # given a customer with alerts and an open case, who then matches the SDN list
    customer = CustomerFactory(legal_name="Joaquin Guzman Loera")
    run(suspicious_events(customer), "batch")
    case = Case.objects.get(customer=customer)
    customer_screen(customer=customer)
    hit = ScreeningHit.objects.get(party_id=str(customer.pk))
    assert hit.case is None  # a pending hit is not case material yet
    # when an analyst confirms the hit
    screening_hit_confirm(hit=hit, actor=staff.analyst, reason="Same DOB.")
    # then it is linked to the same case
    hit.refresh_from_db()
    assert hit.case == case
    assert Case.objects.filter(customer=customer).count() == 1


def test_a_confirmed_hit_without_alerts_opens_a_case(sdn_subset, staff):
    customer = CustomerFactory(legal_name="Joaquin Guzman Loera")
    customer_screen(customer=customer)
    hit = ScreeningHit.objects.get(party_id=str(customer.pk))
    screening_hit_confirm(hit=hit, actor=staff.analyst, reason="Same DOB.")
    case = Case.objects.get(customer=customer)
    assert list(case.screening_hits.all()) == [hit]
    assert case.state == Case.State.NEW
