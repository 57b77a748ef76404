"""Four eyes: closing an escalated case and filing a SAR need a second Compliance Officer."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from compliance.cases.decisions import case_decision_approve, case_decision_propose, case_decision_reject
from compliance.cases.models import Case, CaseDecision
from compliance.cases.sar import sar_draft_generate, sar_file
from compliance.cases.services import CasePermissionError, CaseTransitionError, case_transition
from fintech.errors import ConflictError
from fintech.models import AuditEvent

pytestmark = pytest.mark.django_db
K = CaseDecision.Kind


@pytest.fixture
def escalated(alerted_case, staff) -> Case:
    case_transition(alerted_case, Case.State.IN_REVIEW, actor=staff.analyst, reason="Looking.")
    return case_transition(alerted_case, Case.State.ESCALATED, actor=staff.analyst, reason="Structuring.")


@pytest.mark.parametrize(
    ("kind", "state"),
    [(K.CLOSE_NO_ACTION, Case.State.CLOSED_NO_ACTION), (K.CLOSE_FALSE_POSITIVE, Case.State.CLOSED_FALSE_POSITIVE)],
)
def test_a_second_officer_approves_a_close(escalated, staff, kind, state):
    decision = case_decision_propose(escalated, kind=kind, actor=staff.officer_a, reason="Source of funds shown.")
    assert Case.objects.get(pk=escalated.pk).state == Case.State.ESCALATED  # a proposal alone changes nothing
    case_decision_approve(decision, actor=staff.officer_b, reason="Agreed: payslips on file.")
    case = Case.objects.get(pk=escalated.pk)
    assert case.state == state
    decision.refresh_from_db()
    assert (decision.status, decision.decided_by) == (CaseDecision.Status.APPROVED, staff.officer_b)
    actions = list(AuditEvent.objects.filter(target_id=str(case.pk)).order_by("seq").values_list("action", flat=True))
    assert actions[-3:] == [
        "compliance.case.decision_proposed",
        "compliance.case.decision_approved",
        "compliance.case.transition",
    ]
    moved = AuditEvent.objects.filter(action="compliance.case.transition").order_by("-seq").first()
    assert moved.actor == staff.officer_b and moved.after["proposed_by_id"] == staff.officer_a.pk


def test_the_proposer_cannot_approve(escalated, staff):
    decision = case_decision_propose(escalated, kind=K.CLOSE_NO_ACTION, actor=staff.officer_a, reason="Fine.")
    with pytest.raises(CasePermissionError, match="Four eyes"):
        case_decision_approve(decision, actor=staff.officer_a, reason="Self-approval.")
    decision.refresh_from_db()
    assert decision.status == CaseDecision.Status.PENDING
    assert Case.objects.get(pk=escalated.pk).state == Case.State.ESCALATED


def test_the_database_refuses_a_self_approved_decision(escalated, staff):
    decision = case_decision_propose(escalated, kind=K.CLOSE_NO_ACTION, actor=staff.officer_a, reason="Fine.")
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseDecision.objects.filter(pk=decision.pk).update(decided_by=staff.officer_a, status="approved")


def test_an_analyst_can_neither_propose_nor_approve(escalated, staff):
    with pytest.raises(CasePermissionError):
        case_decision_propose(escalated, kind=K.CLOSE_NO_ACTION, actor=staff.analyst, reason="x")
    decision = case_decision_propose(escalated, kind=K.CLOSE_NO_ACTION, actor=staff.officer_a, reason="Fine.")
    for outsider in (staff.analyst, staff.auditor, staff.payops):
        with pytest.raises(CasePermissionError):
            case_decision_approve(decision, actor=outsider, reason="x")
    assert Case.objects.get(pk=escalated.pk).state == Case.State.ESCALATED


def test_only_escalated_cases_take_decisions_and_one_at_a_time(alerted_case, escalated, staff):
    case_decision_propose(escalated, kind=K.CLOSE_NO_ACTION, actor=staff.officer_a, reason="Fine.")
    with pytest.raises(ConflictError):
        case_decision_propose(escalated, kind=K.CLOSE_FALSE_POSITIVE, actor=staff.officer_b, reason="x")
    Case.objects.filter(pk=escalated.pk).update(state=Case.State.IN_REVIEW)
    CaseDecision.objects.all().delete()
    with pytest.raises(CaseTransitionError):
        case_decision_propose(escalated, kind=K.CLOSE_NO_ACTION, actor=staff.officer_a, reason="x")


def test_a_rejected_proposal_changes_nothing_and_a_new_one_can_follow(escalated, staff):
    decision = case_decision_propose(escalated, kind=K.CLOSE_NO_ACTION, actor=staff.officer_a, reason="Fine.")
    case_decision_reject(decision, actor=staff.officer_b, reason="Not convinced.")
    assert Case.objects.get(pk=escalated.pk).state == Case.State.ESCALATED
    assert AuditEvent.objects.filter(action="compliance.case.decision_rejected").exists()
    again = case_decision_propose(escalated, kind=K.CLOSE_FALSE_POSITIVE, actor=staff.officer_b, reason="FP.")
    assert again.status == CaseDecision.Status.PENDING


def test_sending_a_case_back_withdraws_its_pending_proposal(escalated, staff):
    decision = case_decision_propose(escalated, kind=K.CLOSE_NO_ACTION, actor=staff.officer_a, reason="Fine.")
    case_transition(escalated, Case.State.IN_REVIEW, actor=staff.officer_b, reason="More review needed.")
    decision.refresh_from_db()
    assert decision.status == CaseDecision.Status.REJECTED


def test_filing_a_sar_needs_a_second_officers_approval(escalated, staff):
    draft = sar_draft_generate(escalated, actor=staff.officer_a)
    # no approval yet: filing is refused
    with pytest.raises(CaseTransitionError, match="second"):
        sar_file(draft, actor=staff.officer_a, bsa_id="31000123456789")
    decision = case_decision_propose(escalated, kind=K.FILE_SAR, actor=staff.officer_a, reason="Structuring.")
    with pytest.raises(CasePermissionError):
        case_decision_approve(decision, actor=staff.officer_a, reason="Self.")
    with pytest.raises(CaseTransitionError):
        sar_file(draft, actor=staff.officer_a, bsa_id="31000123456789")
    case_decision_approve(decision, actor=staff.officer_b, reason="Agreed.")
    assert Case.objects.get(pk=escalated.pk).state == Case.State.ESCALATED  # approved, not yet filed
    with pytest.raises(CasePermissionError):
        sar_file(draft, actor=staff.analyst, bsa_id="31000123456789")
    filed = sar_file(draft, actor=staff.officer_a, bsa_id="31000123456789")
    case = Case.objects.get(pk=escalated.pk)
    assert case.state == Case.State.SAR_FILED and case.closed_at is not None
    assert filed.bsa_id == "31000123456789" and filed.filed_on is not None and filed.filed_by == staff.officer_a
    moved = AuditEvent.objects.filter(action="compliance.case.transition").order_by("-seq").first()
    assert moved.after["bsa_id"] == "31000123456789"
    assert moved.after["approved_by_id"] == staff.officer_b.pk
    with pytest.raises(ConflictError):
        sar_file(filed, actor=staff.officer_b, bsa_id="other")
