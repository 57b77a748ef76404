"""Bulk assign and bulk close-as-false-positive from the queues: a reason is required, each
affected case gets its own audit event, and only the roles allowed see and run the actions."""

from __future__ import annotations

import pytest

from compliance.cases.models import Case, CaseTransition
from compliance.monitoring.models import Alert
from fintech.models import AuditEvent
from fintech.roles import ANALYST, PAYMENTS_OPERATIONS
from tests.factories import CustomerFactory, make_staff

from .conftest import make_alert, make_case

pytestmark = pytest.mark.django_db

ALERTS = "/admin/compliance/alert/"
CASES = "/admin/compliance/case/"


@pytest.fixture
def cases(db):
    customers = [CustomerFactory() for _ in range(3)]
    made = [
        make_case(customers[0]),
        make_case(customers[1], state=Case.State.IN_REVIEW),
        make_case(customers[2], state=Case.State.ESCALATED),
    ]
    for case in made:
        make_alert(case.customer, case=case)
        make_alert(case.customer, case=case, rule="structuring", severity="high")
    return made


@pytest.fixture
def worker(db):
    return make_staff("worker@example.com", role=ANALYST)[0]


def action(name: str, pks, **extra):
    return {"action": name, "_selected_action": [str(pk) for pk in pks], **extra}


def test_bulk_assign_from_the_case_queue_asks_then_audits_each_case(officer_client, cases, worker):
    pks = [c.pk for c in cases]
    # when: the intermediate page
    page = officer_client.post(CASES, action("bulk_assign", pks))
    assert page.status_code == 200 and b"3 case(s) concerned" in page.content
    assert b'name="reason"' in page.content and worker.username.encode() in page.content
    assert not Case.objects.filter(assignee__isnull=False).exists()
    # when: applied without a reason
    page = officer_client.post(CASES, action("bulk_assign", pks, apply="1", assignee=worker.pk, reason="  "))
    assert page.status_code == 200 and b"This field is required" in page.content
    assert not AuditEvent.objects.filter(action="compliance.case.assigned").exists()
    # when: applied with a reason
    done = officer_client.post(
        CASES, action("bulk_assign", pks, apply="1", assignee=worker.pk, reason="Spread the backlog")
    )
    assert done.status_code == 302
    assert set(Case.objects.values_list("assignee", flat=True)) == {worker.pk}
    events = AuditEvent.objects.filter(action="compliance.case.assigned")
    assert sorted(int(e.target_id) for e in events) == sorted(pks)
    assert all(
        e.actor == officer_client.user
        and e.after["reason"] == "Spread the backlog"
        and e.after["assignee_id"] == worker.pk
        for e in events
    )


def test_bulk_assign_refuses_an_assignee_who_cannot_work_cases(officer_client, cases):
    ops, _ = make_staff("ops-person@example.com", role=PAYMENTS_OPERATIONS)
    page = officer_client.post(
        CASES, action("bulk_assign", [cases[0].pk], apply="1", assignee=ops.pk, reason="Wrong person")
    )
    assert page.status_code == 200 and b"Select a valid choice" in page.content
    assert Case.objects.get(pk=cases[0].pk).assignee is None


def test_bulk_assign_from_the_alert_queue_assigns_the_alerts_cases(analyst_client, cases, worker):
    alert = Alert.objects.filter(case=cases[1]).first()
    done = analyst_client.post(
        ALERTS, action("bulk_assign", [alert.pk], apply="1", assignee=worker.pk, reason="Mine now")
    )
    assert done.status_code == 302
    assert Case.objects.get(pk=cases[1].pk).assignee == worker
    assert Case.objects.filter(assignee__isnull=True).count() == 2
    assert AuditEvent.objects.filter(action="compliance.case.assigned").count() == 1


def test_bulk_close_false_positive_closes_new_and_in_review_cases_with_their_alerts(officer_client, cases):
    pks = [c.pk for c in cases]
    page = officer_client.post(CASES, action("bulk_close_false_positive", pks, apply="1", reason=""))
    assert page.status_code == 200 and b"This field is required" in page.content
    assert not CaseTransition.objects.exists()
    done = officer_client.post(
        CASES, action("bulk_close_false_positive", pks, apply="1", reason="Payroll, known employer")
    )
    assert done.status_code == 302
    states = dict(Case.objects.values_list("pk", "state"))
    assert states == {pks[0]: "closed_false_positive", pks[1]: "closed_false_positive", pks[2]: "escalated"}
    assert set(Alert.objects.filter(case_id__in=pks[:2]).values_list("status", flat=True)) == {"closed"}
    events = AuditEvent.objects.filter(action="compliance.case.transition")
    assert sorted(int(e.target_id) for e in events) == pks[:2]
    assert all(e.after == {"state": "closed_false_positive", "reason": "Payroll, known employer"} for e in events)


def test_bulk_close_over_select_across_uses_the_filters(officer_client, cases):
    # "select all" with a filter: only the cases of high-severity alerts in review are in scope
    done = officer_client.post(
        ALERTS + "?severity=high&assignee=none",
        {
            "action": "bulk_close_false_positive",
            "select_across": "1",
            "index": "0",
            "_selected_action": [str(a) for a in Alert.objects.values_list("pk", flat=True)],
            "apply": "1",
            "reason": "Duplicate alerts",
        },
    )
    assert done.status_code == 302
    assert Case.objects.filter(state="closed_false_positive").count() == 2


def _action_names(response) -> set[str]:
    form = response.context["action_form"] if response.context and "action_form" in response.context else None
    return {value for value, _label in form.fields["action"].choices} if form else set()


def test_analysts_assign_but_do_not_close_in_bulk(analyst_client, cases):
    names = _action_names(analyst_client.get(CASES))
    assert "bulk_assign" in names and "bulk_close_false_positive" not in names
    response = analyst_client.post(
        CASES, action("bulk_close_false_positive", [cases[0].pk], apply="1", reason="Not mine to decide")
    )
    assert response.status_code in (200, 302)
    assert Case.objects.get(pk=cases[0].pk).state == "new"
    assert not AuditEvent.objects.filter(action="compliance.case.transition").exists()


def test_officers_see_both_actions(officer_client):
    assert {"bulk_assign", "bulk_close_false_positive"} <= _action_names(officer_client.get(ALERTS))


def test_auditors_read_the_queues_but_have_no_actions(auditor_client, cases, worker):
    for url in (ALERTS, CASES):
        page = auditor_client.get(url)
        assert page.status_code == 200
        assert not ({"bulk_assign", "bulk_close_false_positive"} & _action_names(page))
    auditor_client.post(CASES, action("bulk_assign", [cases[0].pk], apply="1", assignee=worker.pk, reason="x"))
    auditor_client.post(CASES, action("bulk_close_false_positive", [cases[0].pk], apply="1", reason="x"))
    assert Case.objects.get(pk=cases[0].pk).assignee is None and Case.objects.get(pk=cases[0].pk).state == "new"
    assert not AuditEvent.objects.filter(action__in=["compliance.case.assigned", "compliance.case.transition"]).exists()


def test_payments_operations_see_no_case_data(payments_ops_client, cases):
    for url in (ALERTS, CASES, "/admin/compliance/alert/dashboard/", "/admin/compliance/alert/search/?q=anything"):
        assert payments_ops_client.get(url).status_code == 403, url
    index = payments_ops_client.get("/admin/")
    assert b"compliance-workplace" not in index.content and b"/admin/compliance/case/" not in index.content
    payments_ops_client.post(CASES, action("bulk_close_false_positive", [cases[0].pk], apply="1", reason="x"))
    assert Case.objects.get(pk=cases[0].pk).state == "new"
