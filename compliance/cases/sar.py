"""SAR drafts: the FinCEN SAR's key parts drafted from a case's evidence, edited by an officer,
exported (compliance.cases.sar_export), and filed after a four-eyes approval.

Parts: subject (who), suspicious amount and date range, activity categories (mapped from the
rule typologies and sanctions hits to the FinCEN SAR Part II categories), and a narrative that
answers who, what, when, where, why and how from the alerts and transactions.
"""

from __future__ import annotations

import datetime
import json
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from compliance.cases.decisions import approved_sar_decision
from compliance.cases.models import Case, SarDraft
from compliance.cases.services import DECIDE_PERM, CaseTransitionError, _apply_transition, require_perm, require_reason
from compliance.lists.models import SanctionsEntry
from compliance.monitoring.models import MonitoredTransaction
from fintech.errors import ConflictError, DomainError
from fintech.money import format_money
from fintech.services.audit import audit_event_record

ML, STRUCT, TF, OTHER = "Money laundering", "Structuring", "Terrorist financing", "Other suspicious activities"
# Rule typology -> (FinCEN SAR category, subtype) and the plain-language reason it is suspicious.
TYPOLOGIES: dict[str, tuple[str, str, str]] = {
    "large_transaction": (
        ML,
        "Transaction out of pattern for customer(s)",
        "single transactions above the large-transaction threshold",
    ),
    "structuring": (
        STRUCT,
        "Multiple transactions below CTR threshold",
        "repeated amounts just below the reporting threshold within a short window",
    ),
    "velocity": (
        ML,
        "Transaction out of pattern for customer(s)",
        "an unusually high number of transactions in a short time",
    ),
    "rapid_movement": (ML, "Funnel account", "funds received and moved out again within hours"),
    "fan_in": (ML, "Funnel account", "funds received from many different counterparties"),
    "fan_out": (ML, "Suspicious EFT/wire transfers", "funds sent to many different counterparties"),
    "split_transfers": (
        STRUCT,
        "Multiple transactions below CTR threshold",
        "one payment split into several transfers to the same counterparty within a day",
    ),
    "cycle": (
        ML,
        "Suspicious EFT/wire transfers",
        "funds returned to their origin through a ring of accounts within weeks",
    ),
    "round_amounts": (
        OTHER,
        "Transaction with no apparent economic, business, or lawful purpose",
        "repeated round-amount transfers",
    ),
    "high_risk_country": (
        OTHER,
        "Transaction(s) involving foreign high risk jurisdiction",
        "transfers involving high-risk jurisdictions",
    ),
    "dormant_reactivation": (
        ML,
        "Transaction out of pattern for customer(s)",
        "sudden high-value activity on a long-dormant account",
    ),
    "new_account_high_value": (
        ML,
        "Suspicious concerning the source of funds",
        "high-value activity on a newly opened account",
    ),
    "shared_counterparty": (
        ML,
        "Suspicious EFT/wire transfers",
        "transfers with an account that several other customers also paid or were paid by within days",
    ),
    "pass_through": (
        ML,
        "Funnel account",
        "funds passed on through a chain of accounts within days, at nearly the same amount",
    ),
    "scatter_gather": (
        ML,
        "Suspicious EFT/wire transfers",
        "funds spread over several accounts and collected again by one account within days",
    ),
    "anomaly": (OTHER, "Other", "behaviour the statistical anomaly model scores as far outside the norm"),
}
TERROR_PROGRAMS = {"SDGT", "FTO", "SDT", "TERRORISM"}
EVIDENCE_LIMIT = 5000


@dataclass
class Evidence:
    case: Case
    alerts: list = field(default_factory=list)
    hits: list = field(default_factory=list)
    entries: dict = field(default_factory=dict)
    transactions: list = field(default_factory=list)


def evidence_load(case: Case) -> Evidence:
    """The case's alerts, confirmed hits (with their list entries) and evidence transactions: 4 queries."""
    alerts = list(case.alerts.order_by("window_start", "pk"))
    hits = list(case.screening_hits.order_by("created_at"))
    entries = {}
    if hits:
        for entry in SanctionsEntry.objects.filter(
            snapshot_id__in={h.snapshot_id for h in hits}, uid__in={h.entry_uid for h in hits}
        ):
            entries[(entry.snapshot_id, entry.uid)] = entry
    ids = sorted({int(i) for a in alerts for i in a.transaction_ids})[:EVIDENCE_LIMIT]
    txs = list(MonitoredTransaction.objects.filter(pk__in=ids).order_by("occurred_at", "pk")) if ids else []
    return Evidence(case=case, alerts=alerts, hits=hits, entries=entries, transactions=txs)


def categories_for(ev: Evidence) -> list[dict]:
    """FinCEN categories, each with its subtype and the typologies that point at it."""
    found: dict[tuple[str, str], list[str]] = {}
    for alert in ev.alerts:
        category, subtype, _ = TYPOLOGIES.get(alert.rule_code, (OTHER, "Other", ""))
        found.setdefault((category, subtype), [])
        if alert.rule_code not in found[(category, subtype)]:
            found[(category, subtype)].append(alert.rule_code)
    for hit in ev.hits:
        entry = ev.entries.get((hit.snapshot_id, hit.entry_uid))
        programs = {p.upper() for p in (entry.programs if entry else [])}
        key = (
            (TF, "Known or suspected terrorist/terrorist organization")
            if programs & TERROR_PROGRAMS
            else (OTHER, "Other: sanctions list match")
        )
        found.setdefault(key, [])
        if f"sanctions:{hit.list_code}" not in found[key]:
            found[key].append(f"sanctions:{hit.list_code}")
    return [{"category": c, "subtype": s, "typologies": t} for (c, s), t in sorted(found.items())]


def subject_for(case: Case) -> dict:
    c = case.customer
    return {
        "name": c.legal_name,
        "entity_type": c.entity_type,
        "customer_reference": c.external_id,
        "country": c.country,
        "email": c.email,
        "date_of_birth": c.date_of_birth.isoformat() if c.date_of_birth else None,
        "tin": c.national_id or None,
        "risk_rating": c.risk_rating,
    }


def amounts_for(ev: Evidence) -> tuple[int, str, dict[str, int]]:
    """The total in the case's main currency, that currency, and every currency's total."""
    totals: Counter = Counter()
    for tx in ev.transactions:
        totals[tx.currency] += tx.amount
    if not totals:
        return 0, "USD", {}
    main = max(totals, key=lambda cur: (sum(1 for t in ev.transactions if t.currency == cur), totals[cur]))
    return totals[main], main, dict(totals)


def date_range_for(ev: Evidence) -> tuple[datetime.date, datetime.date]:
    moments = (
        [t.occurred_at for t in ev.transactions]
        or [a.window_start for a in ev.alerts] + [a.window_end for a in ev.alerts]
        or [h.created_at for h in ev.hits]
        or [ev.case.opened_at]
    )
    return min(moments).date(), max(moments).date()


def narrative_for(ev: Evidence, subject: dict, categories: list[dict]) -> str:
    case, txs = ev.case, ev.transactions
    total, currency, totals = amounts_for(ev)
    start, end = date_range_for(ev)
    rules = sorted({a.rule_code for a in ev.alerts})
    outgoing = [t for t in txs if t.direction == MonitoredTransaction.Direction.OUT]
    incoming = [t for t in txs if t.direction == MonitoredTransaction.Direction.IN]
    counterparties = Counter(
        t.counterparty_name or t.counterparty_account for t in txs if t.counterparty_name or t.counterparty_account
    )
    countries = sorted({t.counterparty_country for t in txs if t.counterparty_country})
    channels = sorted({t.channel for t in txs if t.channel})
    amounts = ", ".join(format_money(v, k) for k, v in sorted(totals.items())) or format_money(0, currency)
    parts = [
        f"WHO: {subject['name']} ({subject['entity_type']}, customer reference {subject['customer_reference']}, "
        f"country {subject['country'] or 'unknown'}, risk rating {subject['risk_rating']}) is the subject of "
        f"case {case.reference}.",
        f"WHAT: {len(ev.alerts)} monitoring alert(s) ({', '.join(rules) or 'none'}) and {len(ev.hits)} confirmed "
        f"sanctions screening hit(s); {len(txs)} transaction(s) totalling {amounts} "
        f"({len(incoming)} incoming, {len(outgoing)} outgoing). Activity categories: "
        + "; ".join(f"{c['category']} - {c['subtype']}" for c in categories)
        + ".",
        f"WHEN: from {start.isoformat()} to {end.isoformat()}.",
        "WHERE: "
        + (f"channels {', '.join(channels)}" if channels else "channels not recorded")
        + (f"; counterparties in {', '.join(countries)}" if countries else "")
        + ".",
        "WHY: "
        + ("; ".join(TYPOLOGIES.get(r, (OTHER, "Other", r))[2] for r in rules) or "sanctions list match")
        + "."
        + "".join(
            f" The subject matched {h.list_code} entry {h.entry_uid} ('{h.matched_name}', score "
            f"{h.score:.0f}), confirmed by review: {h.reason}"
            for h in ev.hits
        ),
        "HOW: "
        + (
            ", ".join(f"{name} ({n} transaction(s))" for name, n in counterparties.most_common(10))
            if counterparties
            else "no counterparties recorded"
        )
        + "."
        + "".join(
            f" On {t.occurred_at:%Y-%m-%d} {format_money(t.amount, t.currency)} "
            f"{'from' if t.direction == 'in' else 'to'} {t.counterparty_name or t.counterparty_account or '-'}"
            f"{' (' + t.counterparty_country + ')' if t.counterparty_country else ''}."
            for t in txs[:20]
        ),
    ]
    return "\n\n".join(parts)


@transaction.atomic
def sar_draft_generate(case: Case, *, actor) -> SarDraft:
    """Draft (or redraft, while not filed and not up for approval) the SAR of an escalated case."""
    require_perm(actor, DECIDE_PERM, "draft SARs")
    locked = Case.objects.select_for_update(of=("self",)).select_related("customer").get(pk=case.pk)
    if locked.state != Case.State.ESCALATED:
        raise CaseTransitionError("A SAR is drafted from an escalated case.")
    existing = SarDraft.objects.filter(case=locked).first()
    if existing is not None:
        _require_editable(existing)
    ev = evidence_load(locked)
    subject, categories = subject_for(locked), categories_for(ev)
    total, currency, _ = amounts_for(ev)
    start, end = date_range_for(ev)
    values = {
        "subject": json.dumps(subject),
        "amount_total": total,
        "currency": currency,
        "activity_from": start,
        "activity_to": end,
        "categories": categories,
        "narrative": narrative_for(ev, subject, categories),
    }
    draft, created = SarDraft.objects.update_or_create(
        case=locked, defaults=values, create_defaults={**values, "created_by": actor}
    )
    audit_event_record(
        action="compliance.sar.drafted",
        actor=actor,
        target=locked,
        after={
            "sar_draft_id": draft.pk,
            "regenerated": not created,
            "amount_total": total,
            "currency": currency,
            "categories": [c["category"] for c in categories],
        },
    )
    return draft


def _require_editable(draft: SarDraft) -> None:
    if draft.filed_on:
        raise ConflictError("This SAR has been filed; it can no longer change.")
    if draft.case.decisions.filter(kind="file_sar", status="pending").exists() or approved_sar_decision(draft.case):
        raise ConflictError("This SAR is up for (or has) four-eyes approval; reject the proposal to edit it.")


EDITABLE = ("narrative", "amount_total", "currency", "activity_from", "activity_to", "categories")


@transaction.atomic
def sar_draft_update(draft: SarDraft, *, actor, changes: dict) -> SarDraft:
    """The officer's edits. The audit event names the fields changed, not their (personal) content."""
    require_perm(actor, DECIDE_PERM, "edit SARs")
    locked = SarDraft.objects.select_for_update().select_related("case").get(pk=draft.pk)
    _require_editable(locked)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise DomainError(f"Not editable: {', '.join(sorted(unknown))}.")
    start, end = changes.get("activity_from", locked.activity_from), changes.get("activity_to", locked.activity_to)
    if start and end and start > end:
        raise DomainError("The activity date range ends before it starts.")
    changed = [name for name, value in changes.items() if getattr(locked, name) != value]
    for name in changed:
        setattr(locked, name, changes[name])
    if changed:
        locked.save()
        audit_event_record(
            action="compliance.sar.edited",
            actor=actor,
            target=locked.case,
            after={"sar_draft_id": locked.pk, "fields": changed},
        )
    return locked


@transaction.atomic
def sar_file(
    draft: SarDraft, *, actor, bsa_id: str, filed_on: datetime.date | None = None, reason: str = "SAR filed with FinCEN"
) -> SarDraft:
    """Record the filing (date, BSA ID) of a SAR whose filing a second officer approved; the case
    moves to sar_filed."""
    require_perm(actor, DECIDE_PERM, "file SARs")
    reason = require_reason(reason)
    bsa_id = (bsa_id or "").strip()
    if not bsa_id or len(bsa_id) > 32:
        raise DomainError("The BSA ID FinCEN returned is required (at most 32 characters).")
    locked = SarDraft.objects.select_for_update().select_related("case").get(pk=draft.pk)
    if locked.filed_on:
        raise ConflictError("This SAR is already filed.")
    decision = approved_sar_decision(locked.case)
    if decision is None:
        raise CaseTransitionError("Filing a SAR needs a second Compliance Officer's approval first.")
    locked.filed_on, locked.bsa_id, locked.filed_by = filed_on or timezone.localdate(), bsa_id, actor
    locked.save(update_fields=["filed_on", "bsa_id", "filed_by", "updated_at"])
    _apply_transition(
        case=locked.case,
        to_state=Case.State.SAR_FILED,
        actor=actor,
        reason=reason,
        extra={
            "bsa_id": bsa_id,
            "filed_on": locked.filed_on.isoformat(),
            "decision_id": decision.pk,
            "proposed_by_id": decision.proposed_by_id,
            "approved_by_id": decision.decided_by_id,
        },
    )
    return locked
