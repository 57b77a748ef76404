"""Monitoring use-cases: ingest events, evaluate them, run the batch scan, version rules."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction

from compliance.models import Alert, MonitoredTransaction, Rule
from compliance.monitoring.events import transaction_fields
from compliance.monitoring.scan import scan_new_transactions, scan_period
from compliance.monitoring.store import transactions_store
from compliance.services.alerts import alerts_record
from fintech.services.audit import audit_event_record

# Out-of-period arrivals evaluated per call of scan_new_transactions (bounds one frame's memory).
ARRIVALS_CHUNK = 5000


def transactions_upsert(*, events: list[dict[str, Any]]) -> list[int]:
    """Store the events as MonitoredTransactions (a repeat is ignored); return all their ids.
    Raises EventError for a malformed event (nothing is written then)."""
    return [pk for pk, _, _ in transactions_store([transaction_fields(e) for e in events])]


@transaction.atomic
def events_evaluate(*, events: list[dict[str, Any]], mode: str = "stream") -> list[Alert]:
    """The real-time decision for a batch of events, in one transaction: store, evaluate every
    rule at these transactions over their customers' recent history, score each customer's last
    FEATURE_DAYS with the current anomaly model (if one is trained), record new alerts.
    Idempotent: the same events again store nothing and alert nothing."""
    from compliance.services.anomaly import anomaly_candidates

    stored = transactions_store([transaction_fields(e) for e in events])
    candidates = scan_new_transactions([pk for pk, _, _ in stored], [(cid, at) for _, cid, at in stored])
    last_seen: dict[int, datetime.datetime] = {}
    for _, cid, at in stored:
        last_seen[cid] = max(at, last_seen.get(cid, at))
    return alerts_record(candidates=candidates + anomaly_candidates(last_seen), mode=mode)


def aml_scan_run(*, start: datetime.datetime, end: datetime.datetime) -> dict[str, int]:
    """The batch scan of [start, end): every rule, set-wise, over the transactions that occurred
    then, and over those that *arrived* then with an earlier or later date (an imported file of
    old transactions), each against its customer's history as of its time; then the anomaly
    model if trained. The real-time consumers evaluated all of them already: this is the safety
    net, and alerts are unique per rule, customer and window, so nothing is raised twice."""
    from compliance.services.anomaly import anomaly_scan

    candidates = scan_period(start=start, end=end)
    arrived = list(
        MonitoredTransaction.objects.filter(created_at__gte=start, created_at__lt=end)
        .exclude(occurred_at__gte=start, occurred_at__lt=end)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for i in range(0, len(arrived), ARRIVALS_CHUNK):
        candidates += scan_new_transactions(arrived[i : i + ARRIVALS_CHUNK])
    created = alerts_record(candidates=candidates, mode="batch")
    anomalies = anomaly_scan(start=start, end=end)
    return {
        "candidates": len(candidates),
        "alerts": len(created),
        "anomaly_alerts": len(anomalies),
        "arrived_out_of_period": len(arrived),
    }


@transaction.atomic
def rule_version_create(*, rule: Rule, actor, params: dict, enabled: bool, severity: str) -> Rule:
    """A change to a rule is a new version; the old row stays, for the alerts it raised."""
    current = Rule.objects.select_for_update().get(code=rule.code, is_current=True)
    Rule.objects.filter(pk=current.pk).update(is_current=False)
    new = Rule.objects.create(
        code=current.code,
        version=current.version + 1,
        params=params,
        enabled=enabled,
        severity=severity,
        is_current=True,
    )
    audit_event_record(
        action="compliance.rule.versioned",
        actor=actor,
        target=new,
        before={
            "version": current.version,
            "params": current.params,
            "enabled": current.enabled,
            "severity": current.severity,
        },
        after={"version": new.version, "params": new.params, "enabled": new.enabled, "severity": new.severity},
    )
    return new
