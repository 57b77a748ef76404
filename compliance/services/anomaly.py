"""Training the anomaly model and raising `anomaly` alerts from it."""

from __future__ import annotations

import datetime

import numpy as np
from django.db import IntegrityError, transaction

from compliance.models import Alert, AnomalyModel
from compliance.monitoring import anomaly
from compliance.monitoring.scan import AlertCandidate, load_frame
from compliance.services.alerts import alerts_record
from fintech.services.audit import audit_event_record

MIN_CUSTOMERS = 20


@transaction.atomic
def anomaly_model_train(*, start: datetime.datetime, end: datetime.datetime) -> AnomalyModel | None:
    """Fit a new model version on every customer's features over [start, end).
    Returns None when there are too few customers to learn what normal looks like."""
    features = anomaly.customer_features(load_frame(start=start, end=end, lookback=0))
    if len(features) < MIN_CUSTOMERS:
        return None
    blob, threshold = anomaly.train(features)
    latest = AnomalyModel.objects.select_for_update().order_by("-version").first()
    try:
        with transaction.atomic():
            model = AnomalyModel.objects.create(
                version=(latest.version if latest else 0) + 1, blob=blob, blob_hmac=anomaly.blob_hmac(blob),
                feature_names=anomaly.FEATURES, threshold=threshold, trained_on=len(features),
            )
    except IntegrityError:
        return AnomalyModel.objects.order_by("-version").first()
    audit_event_record(action="compliance.anomaly_model.trained", actor_label="aml-train", target=model,
                       after={"version": model.version, "customers": len(features), "threshold": threshold,
                              "from": start.isoformat(), "to": end.isoformat()})
    return model


def anomaly_scan(*, start: datetime.datetime, end: datetime.datetime) -> list[Alert]:
    """An `anomaly` alert for each customer whose behaviour over [start, end) scores above the threshold."""
    model = AnomalyModel.objects.order_by("-version").first()
    if model is None:
        return []
    bundle = anomaly.load(bytes(model.blob), model.blob_hmac)
    frame = load_frame(start=start, end=end, lookback=0)
    features = anomaly.customer_features(frame)
    if features.empty:
        return []
    scores, _ = anomaly.score(bundle, features)
    candidates = []
    for customer_id in features.index[scores >= model.threshold]:
        rows = (frame.customer == customer_id) & (frame.id > 0)
        top = frame.id[rows][np.argsort(-frame.amount[rows])[:20]]
        candidates.append(AlertCandidate(
            rule_code="anomaly", rule_version=model.version, customer_id=int(customer_id), window_start=start,
            window_end=end, transaction_ids=sorted(int(x) for x in top), score=50.0,
        ))
    return alerts_record(candidates=candidates, mode="batch")
