"""Issue #17 item 2: one officer could end an escalated case alone by sending it back to review
(which silently dropped the pending four-eyes proposal) and then closing it. Every door that can
end an escalated case or move it back is tried here: the admin's transition view, the admin's
bulk close actions (case and alert lists), and the service itself. (Cases have no API route:
tests/security/test_access_matrix.py enumerates the API.)"""

from __future__ import annotations

import pytest

from compliance.cases.decisions import case_decision_approve, case_decision_propose
from compliance.cases.models import Case, CaseDecision, CaseTransition
from compliance.cases.sar import sar_draft_generate
from compliance.cases.services import CaseTransitionError, allowed_transitions, case_transition
from fintech.models import AuditEvent
from tests.compliance.cases.conftest import alerted_case, login, staff  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db
S = Case.State


@pytest.fixture
def sar_proposed(alerted_case, staff) -> tuple[Case, CaseDecision]:  # noqa: F811
    """Escalated by the analyst; officer A drafted the SAR and proposed filing it (pending)."""
    case_transition(alerted_case, S.IN_REVIEW, actor=staff.analyst, reason="Looking.")
    case = case_transition(alerted_case, S.ESCALATED, actor=staff.analyst, reason="Structuring.")
    sar_draft_generate(case, actor=staff.officer_a)
    decision = case_decision_propose(
        case, kind=CaseDecision.Kind.FILE_SAR, actor=staff.officer_a, reason="Structuring then a transfer to Iran."
    )
    return case, decision


def _closed(case: Case) -> bool:
    return CaseTransition.objects.filter(case=case, to_state__in=[S.CLOSED_NO_ACTION, S.CLOSED_FALSE_POSITIVE]).exists()


def test_one_officer_cannot_send_an_escalated_case_back_and_close_it_in_the_admin(sar_proposed, staff, login):  # noqa: F811
    case, decision = sar_proposed
    client = login(staff, "officer_a")
    url = f"/admin/compliance/case/{case.pk}/case/transition/"

    back = client.post(url, {"to_state": "in_review", "reason": "Need the customer's payslips."})
    close = client.post(url, {"to_state": "closed_no_action", "reason": "Nothing to see."}, follow=True)

    # Sending back is allowed, but withdraws the proposal on the record, naming who and why.
    assert back.status_code == 302
    decision.refresh_from_db()
    assert decision.status == CaseDecision.Status.REJECTED and decision.decided_by is None
    assert "sent back to review by officer_a" in decision.decision_reason
    withdrawn = AuditEvent.objects.get(action="compliance.case.decision_withdrawn", target_id=str(case.pk))
    assert withdrawn.actor == staff.officer_a
    assert withdrawn.after == {
        "decision_id": decision.pk,
        "kind": "file_sar",
        "proposed_by_id": staff.officer_a.pk,
        "reason": "Need the customer's payslips.",
    }
    moved = AuditEvent.objects.filter(action="compliance.case.transition", target_id=str(case.pk)).latest("seq")
    assert moved.actor == staff.officer_a and moved.before == {"state": "escalated"}
    assert moved.after["state"] == "in_review" and moved.after["reason"] == "Need the customer's payslips."
    assert moved.after["withdrawn_decision_id"] == decision.pk
    # Closing it alone is refused: the case stays open, nothing is written.
    assert "second officer" in close.content.decode()
    assert Case.objects.get(pk=case.pk).state == S.IN_REVIEW
    assert not _closed(case)
    assert AuditEvent.objects.filter(action="compliance.case.transition").latest("seq").pk == moved.pk
    # And the case page no longer offers the close, saying why.
    page = client.get(f"/admin/compliance/case/{case.pk}/case/").content.decode()
    assert 'value="closed_no_action"' not in page and 'value="closed_false_positive"' not in page
    assert 'id="four-eyes-note"' in page


def test_a_case_once_escalated_is_closed_only_by_a_second_officers_approval(sar_proposed, staff):  # noqa: F811
    case, _ = sar_proposed
    case_transition(case, S.IN_REVIEW, actor=staff.officer_a, reason="More review.")
    for actor in (staff.officer_a, staff.officer_b, staff.analyst):
        for closed_state in (S.CLOSED_NO_ACTION, S.CLOSED_FALSE_POSITIVE):
            with pytest.raises(CaseTransitionError, match="second officer"):
                case_transition(case, closed_state, actor=actor, reason="Nothing to see.")
    assert not set(allowed_transitions(Case.objects.get(pk=case.pk), staff.officer_a)) & {
        S.CLOSED_NO_ACTION,
        S.CLOSED_FALSE_POSITIVE,
    }
    assert not _closed(case)
    # The way out: escalate again, one officer proposes, another approves.
    case_transition(case, S.ESCALATED, actor=staff.analyst, reason="Reviewed again.")
    decision = case_decision_propose(
        case, kind=CaseDecision.Kind.CLOSE_NO_ACTION, actor=staff.officer_a, reason="Payslips explain the deposits."
    )
    case_decision_approve(decision, actor=staff.officer_b, reason="Agreed.")
    assert Case.objects.get(pk=case.pk).state == S.CLOSED_NO_ACTION
    closed = AuditEvent.objects.filter(action="compliance.case.transition").latest("seq")
    assert closed.actor == staff.officer_b and closed.after["proposed_by_id"] == staff.officer_a.pk


@pytest.mark.parametrize("changelist", ["case", "alert"])
def test_a_bulk_close_action_skips_a_case_sent_back_from_escalation(sar_proposed, staff, login, changelist):  # noqa: F811
    case, _ = sar_proposed
    case_transition(case, S.IN_REVIEW, actor=staff.officer_a, reason="More review.")
    client = login(staff, "officer_a")
    selected = case.pk if changelist == "case" else case.alerts.values_list("pk", flat=True).first()

    response = client.post(
        f"/admin/compliance/{changelist}/",
        {
            "action": "bulk_close_false_positive",
            "_selected_action": [selected],
            "apply": "1",
            "reason": "Bulk clean-up.",
        },
        follow=True,
    )

    assert response.status_code == 200
    assert "0 case(s)" in response.content.decode()
    assert Case.objects.get(pk=case.pk).state == S.IN_REVIEW
    assert not _closed(case)


def test_an_approved_sar_filing_cannot_be_sent_back_by_one_officer(sar_proposed, staff, login):  # noqa: F811
    case, decision = sar_proposed
    case_decision_approve(decision, actor=staff.officer_b, reason="Agreed: file it.")
    with pytest.raises(CaseTransitionError, match="cannot be sent back"):
        case_transition(case, S.IN_REVIEW, actor=staff.officer_a, reason="Changed my mind.")
    client = login(staff, "officer_a")
    response = client.post(
        f"/admin/compliance/case/{case.pk}/case/transition/",
        {"to_state": "in_review", "reason": "Changed my mind."},
        follow=True,
    )
    assert "cannot be sent back" in response.content.decode()
    assert Case.objects.get(pk=case.pk).state == S.ESCALATED
    decision.refresh_from_db()
    assert decision.status == CaseDecision.Status.APPROVED
