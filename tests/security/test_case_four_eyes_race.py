"""Issue #17 item 2, raced: one officer sends an escalated case back to review while a second
approves the pending close. Exactly one wins, and neither deadlocks (PostgreSQL, real threads)."""

from __future__ import annotations

import pytest

from compliance.cases.decisions import case_decision_approve, case_decision_propose
from compliance.cases.models import Case, CaseDecision, CaseTransition
from compliance.cases.services import case_transition
from fintech.errors import DomainError
from fintech.models import AuditEvent
from tests.compliance.cases.conftest import alerted_case, staff  # noqa: F401  (fixtures)
from tests.helpers import thread_race

pytestmark = pytest.mark.django_db(transaction=True)
S = Case.State


def test_sending_back_and_approving_a_close_at_once_lets_exactly_one_through(alerted_case, staff):  # noqa: F811
    case_transition(alerted_case, S.IN_REVIEW, actor=staff.analyst, reason="Looking.")
    case = case_transition(alerted_case, S.ESCALATED, actor=staff.analyst, reason="Structuring.")
    decision = case_decision_propose(
        case, kind=CaseDecision.Kind.CLOSE_NO_ACTION, actor=staff.officer_a, reason="Payslips explain it."
    )

    results = thread_race(
        [
            lambda: case_transition(case, S.IN_REVIEW, actor=staff.officer_a, reason="More review."),
            lambda: case_decision_approve(decision, actor=staff.officer_b, reason="Agreed."),
        ],
        timeout=30,
    )

    # The loser is refused (someone else moved the case or decided); a deadlock or anything
    # else would show as another exception.
    refused = [r for r in results if isinstance(r, DomainError)]
    errors = [r for r in results if isinstance(r, Exception) and not isinstance(r, DomainError)]
    assert errors == [] and len(refused) == 1
    final = Case.objects.get(pk=case.pk)
    decision.refresh_from_db()
    moves = list(CaseTransition.objects.filter(case=case, from_state=S.ESCALATED).values_list("to_state", flat=True))
    if final.state == S.CLOSED_NO_ACTION:  # the approval won: the send-back was refused
        assert decision.status == CaseDecision.Status.APPROVED and moves == [S.CLOSED_NO_ACTION]
    else:  # the send-back won: the proposal was withdrawn, the approval refused
        assert final.state == S.IN_REVIEW and decision.status == CaseDecision.Status.REJECTED
        assert moves == [S.IN_REVIEW]
        assert AuditEvent.objects.filter(action="compliance.case.decision_withdrawn").count() == 1
    assert (
        AuditEvent.objects.filter(
            action="compliance.case.transition", target_id=str(case.pk), before={"state": "escalated"}
        ).count()
        == 1
    )
