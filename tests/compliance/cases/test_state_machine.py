"""The case state machine: every legal move, illegal ones refused, a reason always, every move audited."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from compliance.cases.models import Case, CaseTransition
from compliance.cases.services import (
    TRANSITIONS,
    CasePermissionError,
    CaseTransitionError,
    case_assign,
    case_close_false_positive,
    case_transition,
)
from compliance.monitoring.models import Alert
from fintech.errors import DomainError
from fintech.models import AuditEvent

pytestmark = pytest.mark.django_db
S = Case.State


def _put(case: Case, state: str) -> Case:
    Case.objects.filter(pk=case.pk).update(state=state)
    case.refresh_from_db()
    return case


DIRECT = [(frm, to) for (frm, to), perm in TRANSITIONS.items() if perm != "four_eyes"]


@pytest.mark.parametrize(("frm", "to"), DIRECT)
def test_every_direct_transition_is_recorded_and_audited(alerted_case, staff, frm, to):
    case = _put(alerted_case, frm)
    actor = staff.officer_a if frm == S.ESCALATED else staff.analyst
    moved = case_transition(case, to, actor=actor, reason="Reviewed the evidence.")
    assert moved.state == to
    t = CaseTransition.objects.get(case=case)
    assert (t.from_state, t.to_state, t.actor, t.reason) == (frm, to, actor, "Reviewed the evidence.")
    event = AuditEvent.objects.get(action="compliance.case.transition", target_id=str(case.pk))
    assert event.actor == actor
    assert event.before == {"state": frm} and event.after["state"] == to
    assert event.after["reason"] == "Reviewed the evidence."
    assert (moved.closed_at is not None) == (to not in Case.OPEN_STATES)


ALL = [s.value for s in S]
ILLEGAL = [(f, t) for f in ALL for t in ALL if (f, t) not in TRANSITIONS]


@pytest.mark.parametrize(("frm", "to"), ILLEGAL)
def test_illegal_transitions_are_refused_and_write_nothing(alerted_case, staff, frm, to):
    case = _put(alerted_case, frm)
    with pytest.raises(CaseTransitionError):
        case_transition(case, to, actor=staff.officer_a, reason="Trying.")
    case.refresh_from_db()
    assert case.state == frm
    assert not CaseTransition.objects.exists()
    assert not AuditEvent.objects.filter(action="compliance.case.transition").exists()


@pytest.mark.parametrize("to", [S.CLOSED_NO_ACTION, S.CLOSED_FALSE_POSITIVE, S.SAR_FILED])
def test_four_eyes_moves_cannot_be_made_directly(alerted_case, staff, to):
    case = _put(alerted_case, S.ESCALATED)
    with pytest.raises(CaseTransitionError, match="second officer"):
        case_transition(case, to, actor=staff.officer_a, reason="Done.")
    assert Case.objects.get(pk=case.pk).state == S.ESCALATED


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_reason_is_required(alerted_case, staff, reason):
    with pytest.raises(DomainError, match="reason"):
        case_transition(alerted_case, S.IN_REVIEW, actor=staff.analyst, reason=reason)
    assert Case.objects.get(pk=alerted_case.pk).state == S.NEW


def test_the_database_refuses_a_transition_without_reason(alerted_case, staff):
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseTransition.objects.create(
            case=alerted_case, from_state="new", to_state="in_review", reason="", actor=staff.analyst
        )


def test_the_full_path_to_escalated_and_the_alerts_follow(alerted_case, staff):
    case_transition(alerted_case, S.IN_REVIEW, actor=staff.analyst, reason="Looking.")
    case = case_transition(alerted_case, S.ESCALATED, actor=staff.analyst, reason="Structuring pattern.")
    assert case.state == S.ESCALATED
    assert set(Alert.objects.filter(case=case).values_list("status", flat=True)) == {Alert.Status.ESCALATED}
    assert list(case.transitions.values_list("to_state", flat=True)) == [S.IN_REVIEW, S.ESCALATED]


def test_an_analyst_cannot_send_an_escalated_case_back_and_auditors_move_nothing(alerted_case, staff):
    with pytest.raises(CasePermissionError):
        case_transition(alerted_case, S.IN_REVIEW, actor=staff.auditor, reason="x")
    with pytest.raises(CasePermissionError):
        case_transition(alerted_case, S.IN_REVIEW, actor=staff.payops, reason="x")
    case = _put(alerted_case, S.ESCALATED)
    with pytest.raises(CasePermissionError):
        case_transition(case, S.IN_REVIEW, actor=staff.analyst, reason="x")


def test_assignment_is_audited_per_case_and_skips_closed_cases(alerted_case, staff):
    done = case_assign(Case.objects.all(), assignee=staff.analyst, actor=staff.officer_a, reason="Workload.")
    assert done == [alerted_case]
    assert Case.objects.get(pk=alerted_case.pk).assignee == staff.analyst
    event = AuditEvent.objects.get(action="compliance.case.assigned")
    assert event.after == {"assignee_id": staff.analyst.pk, "reason": "Workload."}
    _put(alerted_case, S.CLOSED_NO_ACTION)
    assert case_assign([alerted_case], assignee=staff.officer_b, actor=staff.officer_a, reason="x") == []


def test_cases_cannot_be_assigned_to_someone_who_cannot_work_them(alerted_case, staff):
    with pytest.raises(DomainError):
        case_assign([alerted_case], assignee=staff.payops, actor=staff.officer_a, reason="x")
    with pytest.raises(CasePermissionError):
        case_assign([alerted_case], assignee=staff.analyst, actor=staff.auditor, reason="x")


def test_bulk_close_as_false_positive_closes_new_and_in_review_but_not_escalated(alerted_case, staff):
    from compliance.monitoring.models import Alert as A
    from tests.compliance.cases.conftest import suspicious_events
    from tests.compliance.monitoring.helpers import run
    from tests.factories import CustomerFactory

    other_customer = CustomerFactory()
    run(suspicious_events(other_customer), "batch")
    escalated = _put(Case.objects.get(customer=other_customer), S.ESCALATED)
    closed = case_close_false_positive(Case.objects.all(), actor=staff.analyst, reason="Known payroll run.")
    assert [c.pk for c in closed] == [alerted_case.pk]
    assert Case.objects.get(pk=alerted_case.pk).state == S.CLOSED_FALSE_POSITIVE
    assert Case.objects.get(pk=escalated.pk).state == S.ESCALATED
    assert set(A.objects.filter(case=alerted_case).values_list("status", flat=True)) == {A.Status.CLOSED}
    assert AuditEvent.objects.filter(action="compliance.case.transition").count() == 1
