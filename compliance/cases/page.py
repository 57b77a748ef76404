"""What the case page shows, loaded in a fixed number of queries whatever the case's size.

Alerts, evidence transactions, the timeline and counterparties are each one query (the
latter two bounded by a window and a row limit; counterparties take a second query to
open their encrypted account numbers); nothing is fetched per alert or per row.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Count, Min, Q, Sum

from compliance.cases.models import Case
from compliance.monitoring.models import Alert, MonitoredTransaction
from fintech.money import format_money

TIMELINE_DAYS = 30
TIMELINE_LIMIT = 300
EVIDENCE_LIMIT = 500
COUNTERPARTY_LIMIT = 50


@dataclass
class AlertRow:
    alert: Alert
    evidence: list[MonitoredTransaction]


@dataclass
class CasePageData:
    case: Case
    alerts: list[AlertRow]
    timeline: list[MonitoredTransaction]
    timeline_truncated: bool
    window: tuple[datetime.datetime, datetime.datetime] | None
    counterparties: list[dict]
    hits: list
    comments: list
    attachments: list
    transitions: list
    decisions: list
    sar_draft: object | None


def _counterparties(in_window) -> list[dict]:
    """The window's counterparties by total. Accounts are grouped by their blind index (the
    stored numbers are ciphertexts, each different) and shown from one row of each group."""
    groups = list(
        in_window.exclude(counterparty_name="", counterparty_account_index="")
        .values("counterparty_name", "counterparty_account_index", "counterparty_country", "currency")
        .annotate(
            n=Count("id"),
            total=Sum("amount"),
            sample=Min("id"),
            n_in=Count("id", filter=Q(direction="in")),
            n_out=Count("id", filter=Q(direction="out")),
        )
        .order_by("-total")[:COUNTERPARTY_LIMIT]
    )
    accounts = dict(
        MonitoredTransaction.objects.filter(pk__in=[g["sample"] for g in groups]).values_list(
            "pk", "counterparty_account"
        )
    )
    return [
        {
            **g,
            "counterparty_account": accounts.get(g["sample"], ""),
            "total_display": format_money(g["total"] or 0, g["currency"]),
        }
        for g in groups
    ]


def case_load(pk: int) -> Case:
    return Case.objects.select_related("customer", "assignee", "sar_draft").get(pk=pk)


def assignable_staff():
    """Active staff who may triage cases (by group or directly): the assign form's choices."""
    perm = Permission.objects.filter(content_type__app_label="compliance", codename="triage_case")
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .filter(Q(groups__permissions__in=perm) | Q(user_permissions__in=perm) | Q(is_superuser=True))
        .distinct()
        .order_by("username")
    )


def case_page_data(case: Case) -> CasePageData:
    alerts = list(case.alerts.order_by("-window_end", "-pk"))
    evidence_ids = sorted({int(i) for a in alerts for i in a.transaction_ids})[:EVIDENCE_LIMIT]
    evidence = {t.pk: t for t in MonitoredTransaction.objects.filter(pk__in=evidence_ids)} if evidence_ids else {}
    rows = [AlertRow(a, [evidence[int(i)] for i in a.transaction_ids if int(i) in evidence]) for a in alerts]

    moments = (
        [a.window_start for a in alerts] + [a.window_end for a in alerts] + [t.occurred_at for t in evidence.values()]
    )
    window, timeline, truncated, counterparties = None, [], False, []
    if moments:
        span = datetime.timedelta(days=TIMELINE_DAYS)
        window = (min(moments) - span, max(moments) + span)
        in_window = MonitoredTransaction.objects.filter(
            customer_id=case.customer_id, occurred_at__gte=window[0], occurred_at__lte=window[1]
        )
        timeline = list(in_window.order_by("-occurred_at", "-pk")[: TIMELINE_LIMIT + 1])
        truncated = len(timeline) > TIMELINE_LIMIT
        timeline = timeline[:TIMELINE_LIMIT]
        counterparties = _counterparties(in_window)
    evidence_set = set(evidence)
    for tx in timeline:
        tx.is_evidence = tx.pk in evidence_set
    for tx in [*timeline, *evidence.values()]:
        tx.amount_display = format_money(tx.amount, tx.currency)
    return CasePageData(
        case=case,
        alerts=rows,
        timeline=timeline,
        timeline_truncated=truncated,
        window=window,
        counterparties=counterparties,
        hits=list(case.screening_hits.select_related("reviewed_by").order_by("-created_at")),
        comments=list(case.comments.select_related("author")),
        attachments=list(case.attachments.select_related("uploaded_by").defer("content")),
        transitions=list(case.transitions.select_related("actor")),
        decisions=list(case.decisions.select_related("proposed_by", "decided_by")),
        sar_draft=getattr(case, "sar_draft", None),
    )
