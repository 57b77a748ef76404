"""Monitoring use-cases: store events, evaluate them (the stream's decision), run the batch scan."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction

from compliance.monitoring.events import transaction_fields
from compliance.monitoring.models import Alert, MonitoredTransaction
from compliance.monitoring.scan import scan_new_transactions, scan_period
from compliance.monitoring.services.alerts import alerts_record
from compliance.monitoring.store import transactions_store

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
    from compliance.monitoring.services.anomaly import anomaly_candidates

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
    from compliance.monitoring.services.anomaly import anomaly_scan

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
