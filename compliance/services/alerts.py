"""Recording alerts from either mode, and what follows: anomaly scores and the customer's risk."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from compliance.models import Alert, AnomalyModel
from compliance.monitoring import anomaly
from compliance.monitoring.scan import AlertCandidate, load_frame
from compliance.services.cases import cases_group_alerts
from fintech.models import Customer
from fintech.services.audit import audit_event_record
from fintech.services.customers import customer_update

CHUNK = 900
FEATURE_DAYS = 30


def _risk_rating(score: int) -> str:
    if score >= 75:
        return Customer.RiskRating.HIGH
    if score >= 50:
        return Customer.RiskRating.MEDIUM
    return Customer.RiskRating.LOW


@transaction.atomic
def alerts_record(*, candidates: list[AlertCandidate], mode: str) -> list[Alert]:
    """Insert the candidates that are new (dedupe key UNIQUE: a repeat is ignored, not an error),
    attach anomaly scores, audit, raise (never lower) each alerted customer's risk, and group
    the new alerts into the customers' open cases.

    Returns the alerts this call created. Safe to call twice with the same candidates.
    """
    if not candidates:
        return []
    marker = timezone.now()
    Alert.objects.bulk_create([
        Alert(rule_code=c.rule_code, rule_version=c.rule_version, customer_id=c.customer_id,
              window_start=c.window_start, window_end=c.window_end, transaction_ids=c.transaction_ids,
              score=c.score, severity=c.severity, dedupe_key=c.dedupe_key)
        for c in candidates
    ], ignore_conflicts=True, batch_size=1000)
    keys = sorted({c.dedupe_key for c in candidates})
    created: list[Alert] = []
    for i in range(0, len(keys), CHUNK):
        created += Alert.objects.filter(dedupe_key__in=keys[i:i + CHUNK], created_at__gte=marker)
    if not created:
        return []
    alerts_attach_anomaly(alerts=created)
    audit_event_record(
        action="compliance.alerts.raised", actor_label=f"aml-{mode}", target_type="compliance.Alert",
        target_id=str(created[0].pk) if len(created) == 1 else "",
        after={"mode": mode, "count": len(created), "alert_ids": [a.pk for a in created[:1000]]},
    )
    customers_rerate(alerts=created)
    # Each alert joins its customer's open case (opened if need be), set-wise.
    cases_group_alerts(alert_ids=[a.pk for a in created], customer_ids={a.customer_id for a in created})
    return created


def alerts_attach_anomaly(*, alerts: list[Alert]) -> None:
    """Score each alerted customer with the current model over the 30 days before the alert."""
    model = AnomalyModel.objects.order_by("-version").first()
    if model is None or not alerts:
        return
    bundle = anomaly.load(bytes(model.blob), model.blob_hmac)
    as_of = max(a.window_end for a in alerts) + datetime.timedelta(seconds=1)
    frame = load_frame(start=as_of - datetime.timedelta(days=FEATURE_DAYS), end=as_of, lookback=0,
                       customer_ids={a.customer_id for a in alerts})
    features = anomaly.customer_features(frame)
    if features.empty:
        return
    scores, explanations = anomaly.score(bundle, features)
    by_customer = {int(cid): (float(s), e) for cid, s, e in zip(features.index, scores, explanations, strict=True)}
    for alert in alerts:
        if alert.customer_id in by_customer:
            alert.anomaly_score, alert.top_features = by_customer[alert.customer_id]
    Alert.objects.bulk_update(alerts, ["anomaly_score", "top_features"], batch_size=1000)


def customers_rerate(*, alerts: list[Alert]) -> None:
    """Risk score = the highest alert score seen; rating follows. Audited through customer_update."""
    best: dict[int, int] = defaultdict(int)
    for alert in alerts:
        best[alert.customer_id] = max(best[alert.customer_id], min(100, round(alert.score)))
    for customer in Customer.objects.filter(pk__in=list(best)).order_by("pk"):
        score = max(customer.risk_score, best[customer.pk])
        rating = max(customer.risk_rating, _risk_rating(score), key=["low", "medium", "high"].index)
        if score != customer.risk_score or rating != customer.risk_rating:
            customer_update(customer=customer, actor=None, changes={"risk_score": score, "risk_rating": rating})
