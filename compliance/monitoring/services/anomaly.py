"""Training the anomaly model and raising `anomaly` alerts from it."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
from django.db import IntegrityError, transaction

from compliance.monitoring import anomaly
from compliance.monitoring.models import Alert, AnomalyModel
from compliance.monitoring.scan import AlertCandidate, load_frame
from compliance.monitoring.services.alerts import alerts_record
from fintech.services.audit import audit_event_record

MIN_CUSTOMERS = 20
FEATURE_DAYS = 30


@transaction.atomic
def anomaly_model_train(*, start: datetime.datetime, end: datetime.datetime) -> AnomalyModel | None:
    """Fit a new model version on every customer's features over [start, end).
    Returns None when there are too few customers to learn what normal looks like."""
    # The same window as scoring: each customer's FEATURE_DAYS up to its last transaction of the
    # period (a model fitted on a year's totals would call every 30-day window of scoring small).
    period = load_frame(start=start - datetime.timedelta(days=FEATURE_DAYS), end=end, lookback=0)
    real = (period.id > 0) & (period.ts >= int(start.timestamp()))
    last = pd.Series(period.ts[real]).groupby(period.customer[real]).max()
    features = anomaly.customer_features(feature_windows(period, {int(c): int(t) for c, t in last.items()}))
    if len(features) < MIN_CUSTOMERS:
        return None
    blob, threshold = anomaly.train(features)
    latest = AnomalyModel.objects.select_for_update().order_by("-version").first()
    try:
        with transaction.atomic():
            model = AnomalyModel.objects.create(
                version=(latest.version if latest else 0) + 1,
                blob=blob,
                blob_hmac=anomaly.blob_hmac(blob),
                feature_names=anomaly.FEATURES,
                threshold=threshold,
                trained_on=len(features),
            )
    except IntegrityError:
        return AnomalyModel.objects.order_by("-version").first()
    audit_event_record(
        action="compliance.anomaly_model.trained",
        actor_label="aml-train",
        target=model,
        after={
            "version": model.version,
            "customers": len(features),
            "threshold": threshold,
            "from": start.isoformat(),
            "to": end.isoformat(),
        },
    )
    return model


_current: dict[str, tuple[int, float, dict]] = {}


def current_model() -> tuple[int, float, dict] | None:
    """(version, threshold, bundle) of the newest model, loaded once per process and version."""
    latest = AnomalyModel.objects.order_by("-version").values_list("pk", "version").first()
    if latest is None:
        return None
    cached = _current.get("model")
    if cached is None or cached[0] != latest[1]:
        model = AnomalyModel.objects.get(pk=latest[0])
        _current["model"] = (model.version, model.threshold, anomaly.load(bytes(model.blob), model.blob_hmac))
    return _current["model"]


def anomaly_candidates(last_seen: dict[int, datetime.datetime]) -> list[AlertCandidate]:
    """`anomaly` candidates: each customer's behaviour over the FEATURE_DAYS up to `last_seen[customer]`
    (that moment included), scored by the current model. Both modes call this, the stream with each
    customer's newest event of a batch, the batch scan with each customer's last transaction of the period."""
    current = current_model()
    if current is None or not last_seen:
        return []
    version, threshold, bundle = current
    span = datetime.timedelta(days=FEATURE_DAYS)
    end = max(last_seen.values()) + datetime.timedelta(seconds=1)
    frame = load_frame(start=min(last_seen.values()) - span, end=end, lookback=0, customer_ids=last_seen)
    frame = feature_windows(frame, {c: int(at.timestamp()) for c, at in last_seen.items()})
    features = anomaly.customer_features(frame)
    if features.empty:
        return []
    scores, _ = anomaly.score(bundle, features)
    candidates = []
    for customer_id in features.index[scores >= threshold]:
        rows = (frame.customer == customer_id) & (frame.id > 0)
        top = frame.id[rows][np.argsort(-frame.amount[rows], kind="stable")[:20]]
        end = datetime.datetime.fromtimestamp(int(frame.ts[rows].max()), tz=datetime.UTC)
        candidates.append(
            AlertCandidate(
                rule_code="anomaly",
                rule_version=version,
                customer_id=int(customer_id),
                window_start=end - span,
                window_end=end,
                transaction_ids=sorted(int(x) for x in top),
                score=50.0,
            )
        )
    return candidates


def feature_windows(frame, last_seen: dict[int, int]):
    """Each customer's rows in its FEATURE_DAYS up to `last_seen[customer]` (seconds, included):
    the one feature window of both training and scoring."""
    if not last_seen or not len(frame):
        return frame.take(np.zeros(len(frame), dtype=bool))
    customers = np.fromiter(last_seen, np.int64, len(last_seen))
    ends = np.fromiter(last_seen.values(), np.int64, len(last_seen))
    order = np.argsort(customers)
    position = np.clip(np.searchsorted(customers[order], frame.customer), 0, len(customers) - 1)
    known = customers[order][position] == frame.customer
    row_end = ends[order][position]
    inside = known & (frame.ts <= row_end) & (frame.ts > row_end - FEATURE_DAYS * 86400)
    return frame.take(inside)


def anomaly_scan(*, start: datetime.datetime, end: datetime.datetime) -> list[Alert]:
    """An `anomaly` alert for each customer of [start, end) whose last FEATURE_DAYS, up to its last
    transaction of the period, score above the model's threshold."""
    if current_model() is None:
        return []
    period = load_frame(start=start, end=end, lookback=0)
    real = period.id > 0
    if not real.any():
        return []
    last = pd.Series(period.ts[real]).groupby(period.customer[real]).max()
    last_seen = {int(c): datetime.datetime.fromtimestamp(int(t), tz=datetime.UTC) for c, t in last.items()}
    return alerts_record(candidates=anomaly_candidates(last_seen), mode="batch")
