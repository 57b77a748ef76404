"""Four eyes: closing an escalated case and filing a SAR are proposed by one Compliance Officer
and approved by another. The proposer can never approve (here, and a CHECK constraint in the
database); an Analyst can neither propose nor approve. Proposal, approval and rejection are
audited; approving a close moves the case, approving a SAR filing lets an officer file it
(compliance.cases.sar.sar_file)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from compliance.cases.models import Case, CaseDecision
from compliance.cases.services import (
    DECIDE_PERM,
    CasePermissionError,
    CaseTransitionError,
    _apply_transition,
    approved_sar_decision,
    require_perm,
    require_reason,
)
from fintech.errors import ConflictError, DomainError
from fintech.services.audit import audit_event_record

K = CaseDecision.Kind
TARGET_STATE = {
    K.CLOSE_NO_ACTION: Case.State.CLOSED_NO_ACTION,
    K.CLOSE_FALSE_POSITIVE: Case.State.CLOSED_FALSE_POSITIVE,
    K.FILE_SAR: Case.State.SAR_FILED,
}


@transaction.atomic
def case_decision_propose(case: Case, *, kind: str, actor, reason: str) -> CaseDecision:
    reason = require_reason(reason)
    require_perm(actor, DECIDE_PERM, "propose case decisions")
    if kind not in TARGET_STATE:
        raise DomainError(f"Unknown decision {kind!r}.")
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.state != Case.State.ESCALATED:
        raise CaseTransitionError("Only an escalated case needs (and takes) a four-eyes decision.")
    if kind == K.FILE_SAR and not hasattr(locked, "sar_draft"):
        raise DomainError("Generate the SAR draft before proposing to file it.")
    if kind == K.FILE_SAR and approved_sar_decision(locked):
        raise ConflictError("A SAR filing is already approved for this case: file it.")
    if locked.decisions.filter(status=CaseDecision.Status.PENDING).exists():
        raise ConflictError("A decision on this case is already waiting for approval.")
    decision = CaseDecision.objects.create(case=locked, kind=kind, proposed_by=actor, proposal_reason=reason)
    audit_event_record(
        action="compliance.case.decision_proposed",
        actor=actor,
        target=locked,
        after={"decision_id": decision.pk, "kind": kind, "reason": reason},
    )
    return decision


def _decide(decision: CaseDecision, *, actor, reason: str, verb: str) -> CaseDecision:
    reason = require_reason(reason)
    require_perm(actor, DECIDE_PERM, f"{verb} case decisions")
    # The case first, then its decision: the order case_transition locks them when it sends a case back.
    case = Case.objects.select_for_update().get(pk=decision.case_id)
    locked = CaseDecision.objects.select_for_update().get(pk=decision.pk)
    if locked.status != CaseDecision.Status.PENDING:
        raise ConflictError(f"This decision is already {locked.get_status_display().lower()}.")
    if locked.proposed_by_id == actor.pk and verb == "approve":
        raise CasePermissionError("Four eyes: the officer who proposed a decision cannot approve it.")
    if case.state != Case.State.ESCALATED:
        raise CaseTransitionError("The case is no longer escalated.")
    locked.status = CaseDecision.Status.APPROVED if verb == "approve" else CaseDecision.Status.REJECTED
    locked.decided_by, locked.decided_at, locked.decision_reason = actor, timezone.now(), reason
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    audit_event_record(
        action=f"compliance.case.decision_{locked.status}",
        actor=actor,
        target=case,
        after={
            "decision_id": locked.pk,
            "kind": locked.kind,
            "reason": reason,
            "proposed_by_id": locked.proposed_by_id,
        },
    )
    locked.case = case
    return locked


@transaction.atomic
def case_decision_approve(decision: CaseDecision, *, actor, reason: str) -> CaseDecision:
    """A second officer approves. A close moves the case now; a SAR filing awaits `sar_file`."""
    approved = _decide(decision, actor=actor, reason=reason, verb="approve")
    if approved.kind != K.FILE_SAR:
        _apply_transition(
            case=approved.case,
            to_state=TARGET_STATE[approved.kind],
            actor=actor,
            reason=approved.proposal_reason,
            extra={
                "decision_id": approved.pk,
                "proposed_by_id": approved.proposed_by_id,
                "approval_reason": approved.decision_reason,
            },
        )
    return approved


@transaction.atomic
def case_decision_reject(decision: CaseDecision, *, actor, reason: str) -> CaseDecision:
    """Any officer may reject (the proposer may withdraw their own proposal)."""
    return _decide(decision, actor=actor, reason=reason, verb="reject")
