"""Cases: grouping alerts and confirmed hits per customer, the state machine, assignment, comments.

States: new -> in_review -> escalated -> sar_filed, or closed (no action / false positive).
Analysts (triage_case) move cases up to escalated and close new or in-review ones;
closing an escalated case or filing a SAR is a four-eyes decision
(compliance.cases.decisions), which calls `_apply_transition` once approved.

Once escalated, always four eyes: a Compliance Officer may send an escalated case back to
review (with a reason; any pending proposal is withdrawn, audited), but a case that has been
escalated can then only be closed through an approved decision (escalate it again and propose),
so no single officer can end it by moving it back and closing it. An approved SAR filing cannot
be sent back at all: two officers agreed to file it.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable

from django.apps import apps
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from compliance import conf
from compliance.cases.models import Case, CaseComment, CaseDecision, CaseTransition
from compliance.monitoring.models import Alert
from compliance.screening.models import ScreeningHit
from fintech.errors import ConflictError, DomainError, ForbiddenError
from fintech.models import Customer
from fintech.services.audit import audit_event_record

TRIAGE_PERM = "compliance.triage_case"
DECIDE_PERM = "compliance.decide_case"
CHUNK = 900
S = Case.State
CLOSED_STATES = (S.CLOSED_NO_ACTION, S.CLOSED_FALSE_POSITIVE)
FOUR_EYES = "four_eyes"

# (from, to) -> the permission that makes the move, or FOUR_EYES (only through an approved decision).
TRANSITIONS: dict[tuple[str, str], str] = {
    (S.NEW, S.IN_REVIEW): TRIAGE_PERM,
    (S.NEW, S.CLOSED_NO_ACTION): TRIAGE_PERM,
    (S.NEW, S.CLOSED_FALSE_POSITIVE): TRIAGE_PERM,
    (S.IN_REVIEW, S.ESCALATED): TRIAGE_PERM,
    (S.IN_REVIEW, S.CLOSED_NO_ACTION): TRIAGE_PERM,
    (S.IN_REVIEW, S.CLOSED_FALSE_POSITIVE): TRIAGE_PERM,
    (S.ESCALATED, S.IN_REVIEW): DECIDE_PERM,  # sent back for more review
    (S.ESCALATED, S.CLOSED_NO_ACTION): FOUR_EYES,
    (S.ESCALATED, S.CLOSED_FALSE_POSITIVE): FOUR_EYES,
    (S.ESCALATED, S.SAR_FILED): FOUR_EYES,
}
# What the case's alerts show once the case gets there.
ALERT_STATUS_FOR = {
    S.ESCALATED: Alert.Status.ESCALATED,
    S.SAR_FILED: Alert.Status.ESCALATED,
    S.CLOSED_NO_ACTION: Alert.Status.CLOSED,
    S.CLOSED_FALSE_POSITIVE: Alert.Status.CLOSED,
}


class CaseTransitionError(ConflictError):
    code = "illegal_transition"


class CasePermissionError(ForbiddenError):
    code = "forbidden"


def require_perm(actor, perm: str, what: str) -> None:
    if actor is None or not actor.is_active or not actor.has_perm(perm):
        raise CasePermissionError(f"You may not {what}.")


def require_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("A reason is required.")
    return reason


def _escalated_since(case: Case):
    """When the case last entered `escalated` (decisions older than that no longer count)."""
    last = (
        CaseTransition.objects.filter(case=case, to_state=S.ESCALATED)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    return last or case.opened_at


def approved_sar_decision(case: Case) -> CaseDecision | None:
    """The approved SAR filing of the current escalation, if any."""
    return (
        case.decisions.filter(
            kind=CaseDecision.Kind.FILE_SAR, status=CaseDecision.Status.APPROVED, decided_at__gte=_escalated_since(case)
        )
        .order_by("-decided_at")
        .first()
    )


def case_was_escalated(case: Case) -> bool:
    """Whether the case has ever been escalated (its transitions are the record)."""
    return CaseTransition.objects.filter(case_id=case.pk, to_state=S.ESCALATED).exists()


def _needs_four_eyes(from_state: str, to_state: str, *, was_escalated: bool) -> bool:
    return TRANSITIONS.get((from_state, to_state)) == FOUR_EYES or (to_state in CLOSED_STATES and was_escalated)


def allowed_transitions(case: Case, user) -> list[str]:
    """The states `user` may move `case` to directly (four-eyes targets are not among them)."""
    was_escalated = case_was_escalated(case)
    return [
        to
        for (frm, to), perm in TRANSITIONS.items()
        if frm == case.state and not _needs_four_eyes(frm, to, was_escalated=was_escalated) and user.has_perm(perm)
    ]


# --- grouping ----------------------------------------------------------------------------------


def _sla_due(opened_at: datetime.datetime) -> datetime.datetime:
    return opened_at + datetime.timedelta(days=conf.case_sla_days())


def open_cases_for(customer_ids: Iterable[int]) -> dict[int, Case]:
    """The customers' open cases, creating the missing ones set-wise (one INSERT, one UPDATE).

    The partial unique index (one open case per customer) settles races: a concurrent
    opener's row wins and ours is skipped (ON CONFLICT DO NOTHING), then both read the same case.
    """
    ids = sorted(set(customer_ids))
    found: dict[int, Case] = {}
    for i in range(0, len(ids), CHUNK):
        chunk = Case.objects.filter(customer_id__in=ids[i : i + CHUNK], state__in=Case.OPEN_STATES)
        found |= {c.customer_id: c for c in chunk}
    missing = [cid for cid in ids if cid not in found]
    if not missing:
        return found
    now = timezone.now()
    Case.objects.bulk_create(
        [
            Case(customer_id=cid, reference=f"tmp-{uuid.uuid4().hex[:16]}", opened_at=now, sla_due_at=_sla_due(now))
            for cid in missing
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    fresh: list[Case] = []
    for i in range(0, len(missing), CHUNK):
        fresh += Case.objects.filter(customer_id__in=missing[i : i + CHUNK], state__in=Case.OPEN_STATES)
    ours = [c.pk for c in fresh if c.reference.startswith("tmp-")]
    if ours:
        Case.assign_references(ours)
        audit_event_record(
            action="compliance.cases.opened",
            actor_label="case-grouping",
            target_type="compliance.Case",
            target_id=str(ours[0]) if len(ours) == 1 else "",
            after={"count": len(ours), "case_ids": ours[:1000]},
        )
    return found | {c.customer_id: c for c in Case.objects.filter(pk__in=[c.pk for c in fresh])}


@transaction.atomic
def cases_group_alerts(*, alert_ids: list[int], customer_ids: Iterable[int]) -> None:
    """Attach alerts without a case to their customer's open case (opened if need be): set-wise."""
    if not alert_ids:
        return
    open_cases_for(customer_ids)
    open_case = Case.objects.filter(customer_id=OuterRef("customer_id"), state__in=Case.OPEN_STATES).values("pk")[:1]
    ids = sorted(alert_ids)
    for i in range(0, len(ids), CHUNK):
        Alert.objects.filter(pk__in=ids[i : i + CHUNK], case__isnull=True).update(case_id=Subquery(open_case))


def case_for_alert(alert: Alert) -> Case:
    """The open case an alert belongs to (it joins the customer's open case, else opens one)."""
    cases_group_alerts(alert_ids=[alert.pk], customer_ids=[alert.customer_id])
    alert.refresh_from_db(fields=["case"])
    return alert.case


def _customer_id_of_party(party_type: str, party_id: str) -> int | None:
    if party_type == Customer._meta.label:
        return int(party_id)
    try:
        model = apps.get_model(party_type)
    except (LookupError, ValueError):
        return None  # e.g. a bare counterparty name: no customer to hold the case
    party = model.objects.filter(pk=party_id).first()
    return getattr(party, "customer_id", None)


@transaction.atomic
def case_for_screening_hit(hit: ScreeningHit) -> Case | None:
    """A confirmed hit joins the open case of the customer it concerns (opened if need be)."""
    customer_id = _customer_id_of_party(hit.party_type, hit.party_id)
    if customer_id is None:
        return None
    case = open_cases_for([customer_id])[customer_id]
    ScreeningHit.objects.filter(pk=hit.pk, case__isnull=True).update(case=case)
    return case


def screening_hit_confirmed_receiver(sender, hit: ScreeningHit, actor=None, **kwargs) -> None:
    case_for_screening_hit(hit)


# --- state machine -------------------------------------------------------------------------------


def _apply_transition(*, case: Case, to_state: str, actor, reason: str, extra: dict | None = None) -> Case:
    """Move the (locked) case; record the transition, the audit event and the alerts' status."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    from_state = locked.state
    if (from_state, to_state) not in TRANSITIONS:
        raise CaseTransitionError(f"A case cannot move from {from_state} to {to_state}.")
    now = timezone.now()
    closed_at = now if to_state in (*CLOSED_STATES, S.SAR_FILED) else None
    # Conditional on the state we checked: zero rows means someone else moved the case meanwhile.
    if not Case.objects.filter(pk=locked.pk, state=from_state).update(
        state=to_state, closed_at=closed_at, updated_at=now
    ):
        raise CaseTransitionError("The case was moved by someone else; reload it.")
    locked.state, locked.closed_at, locked.updated_at = to_state, closed_at, now
    CaseTransition.objects.create(
        case=locked, from_state=from_state, to_state=to_state, reason=reason, actor=actor, at=now
    )
    if to_state in ALERT_STATUS_FOR:
        Alert.objects.filter(case=locked).update(status=ALERT_STATUS_FOR[to_state])
    audit_event_record(
        action="compliance.case.transition",
        actor=actor,
        target=locked,
        before={"state": from_state},
        after={"state": to_state, "reason": reason, **(extra or {})},
    )
    return locked


@transaction.atomic
def case_transition(case: Case, to_state: str, *, actor, reason: str) -> Case:
    """A direct move by one person. Raises CaseTransitionError if illegal or four-eyes only,
    CasePermissionError if the actor's role may not make it, DomainError without a reason."""
    reason = require_reason(reason)
    locked = Case.objects.select_for_update().get(pk=case.pk)
    perm = TRANSITIONS.get((locked.state, to_state))
    if perm is None:
        raise CaseTransitionError(f"A case cannot move from {locked.state} to {to_state}.")
    if perm == FOUR_EYES:
        raise CaseTransitionError(
            f"Moving an escalated case to {to_state} needs a proposal and a second officer's approval."
        )
    if _needs_four_eyes(locked.state, to_state, was_escalated=case_was_escalated(locked)):
        raise CaseTransitionError(
            "This case has been escalated: closing it needs a second officer's approval. "
            "Escalate it again and propose the close."
        )
    require_perm(actor, perm, f"move a case from {locked.state} to {to_state}")
    extra = _sent_back(locked, actor=actor, reason=reason) if locked.state == S.ESCALATED else None
    return _apply_transition(case=locked, to_state=to_state, actor=actor, reason=reason, extra=extra)


def _sent_back(case: Case, *, actor, reason: str) -> dict:
    """An escalated (locked) case goes back to review: an approved SAR filing stays (two officers
    agreed to it); a pending proposal is withdrawn, audited with who sent the case back and why."""
    if approved_sar_decision(case):
        raise CaseTransitionError("A second officer approved filing a SAR on this case: it cannot be sent back.")
    pending = CaseDecision.objects.filter(case=case, status=CaseDecision.Status.PENDING).first()
    if pending is None:
        return {"sent_back": True}
    # decided_by stays empty: the withdrawer may be the proposer (the four-eyes CHECK); the audit names them.
    if not CaseDecision.objects.filter(pk=pending.pk, status=CaseDecision.Status.PENDING).update(
        status=CaseDecision.Status.REJECTED,
        decided_at=timezone.now(),
        decision_reason=f"Withdrawn: the case was sent back to review by {actor.get_username()}: {reason}",
    ):
        raise CaseTransitionError("The proposal was decided meanwhile; reload the case.")
    audit_event_record(
        action="compliance.case.decision_withdrawn",
        actor=actor,
        target=case,
        after={
            "decision_id": pending.pk,
            "kind": pending.kind,
            "proposed_by_id": pending.proposed_by_id,
            "reason": reason,
        },
    )
    return {
        "sent_back": True,
        "withdrawn_decision_id": pending.pk,
        "withdrawn_decision_kind": pending.kind,
        "withdrawn_proposed_by_id": pending.proposed_by_id,
    }


@transaction.atomic
def case_assign(cases, *, assignee, actor, reason: str) -> list[Case]:
    """Assign open cases (a queryset or list) to a triage-capable staff member; one audit event per case.
    Cases no longer open are skipped; returns the cases assigned."""
    reason = require_reason(reason)
    require_perm(actor, TRIAGE_PERM, "assign cases")
    if assignee is not None and not (assignee.is_active and assignee.is_staff and assignee.has_perm(TRIAGE_PERM)):
        raise DomainError(f"{assignee.get_username()} cannot work cases.")
    ids = [c.pk for c in cases]
    done: list[Case] = []
    for case in Case.objects.select_for_update().filter(pk__in=ids, state__in=Case.OPEN_STATES).order_by("pk"):
        before = case.assignee_id
        case.assignee = assignee
        case.save(update_fields=["assignee", "updated_at"])
        audit_event_record(
            action="compliance.case.assigned",
            actor=actor,
            target=case,
            before={"assignee_id": before},
            after={"assignee_id": assignee.pk if assignee else None, "reason": reason},
        )
        done.append(case)
    return done


@transaction.atomic
def case_close_false_positive(cases, *, actor, reason: str) -> list[Case]:
    """Bulk close as false positive the new and in-review cases among `cases` (escalated ones, and
    ones ever escalated, need four eyes and are skipped, as are closed ones). Each close is a
    transition, audited."""
    reason = require_reason(reason)
    require_perm(actor, TRIAGE_PERM, "close cases")
    ids = [c.pk for c in cases]
    closable = (
        Case.objects.select_for_update()
        .filter(pk__in=ids, state__in=[S.NEW, S.IN_REVIEW])
        .exclude(pk__in=CaseTransition.objects.filter(to_state=S.ESCALATED).values("case_id"))
        .order_by("pk")
    )
    return [
        _apply_transition(case=case, to_state=S.CLOSED_FALSE_POSITIVE, actor=actor, reason=reason) for case in closable
    ]


@transaction.atomic
def case_comment_add(case: Case, *, actor, body: str) -> CaseComment:
    body = (body or "").strip()
    if not body:
        raise DomainError("A comment cannot be empty.")
    require_perm(actor, TRIAGE_PERM, "comment on cases")
    comment = CaseComment.objects.create(case=case, author=actor, body=body[:10_000])
    audit_event_record(action="compliance.case.commented", actor=actor, target=case, after={"comment_id": comment.pk})
    return comment


@transaction.atomic
def case_viewed(case: Case, *, actor, what: str = "case page") -> None:
    """Who looked at what: opening a case (or exporting from it) is itself audited."""
    audit_event_record(action="compliance.case.viewed", actor=actor, target=case, after={"viewed": what})
