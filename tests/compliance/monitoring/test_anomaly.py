"""The anomaly model: trained into the database with an HMAC, scores attached to alerts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from compliance.monitoring import anomaly
from compliance.monitoring.models import Alert, AnomalyModel
from compliance.monitoring.scan import load_frame
from compliance.monitoring.services.anomaly import anomaly_scan, feature_windows
from compliance.tasks import train_anomaly_model_task
from fintech.models import AuditEvent
from tests.compliance.monitoring.helpers import T0, days, event, hours, run
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def book():
    """40 ordinary customers and one who moves large sums to many high-risk counterparties."""
    events = []
    for i, c in enumerate(CustomerFactory.create_batch(40)):
        events += [
            event(
                c,
                T0 + days(d) + hours(i % 7),
                2_345 + 10 * d + i,
                "out" if d % 3 else "in",
                account=f"shop-{d % 3}",
                country="GB",
            )
            for d in range(12)
        ]
    odd = CustomerFactory()
    events += [event(odd, T0 + days(d), 4_512_345, "out", account=f"x-{d}", country="IR") for d in range(12)]
    run(events, "batch")
    return odd


def test_training_stores_a_signed_model_and_scores_the_outlier(book):
    version = train_anomaly_model_task(start=(T0 - days(1)).isoformat(), end=(T0 + days(30)).isoformat())
    model = AnomalyModel.objects.get(version=version)
    assert model.blob_hmac == anomaly.blob_hmac(bytes(model.blob)) and model.trained_on == 41
    assert AuditEvent.objects.filter(action="compliance.anomaly_model.trained").exists()
    alerts = anomaly_scan(start=T0 - days(1), end=T0 + days(30))
    assert [(a.rule_code, a.customer_id) for a in alerts] == [("anomaly", book.pk)]
    assert alerts[0].anomaly_score >= model.threshold
    assert set(alerts[0].top_features) <= set(anomaly.FEATURES) and len(alerts[0].top_features) == 3


def test_rule_alerts_after_training_carry_an_anomaly_score(book):
    train_anomaly_model_task(start=(T0 - days(1)).isoformat(), end=(T0 + days(30)).isoformat())
    alerts = run([event(book, T0 + days(13), 9_000_000, "out", country="KP")], "stream")
    latest = Alert.objects.filter(rule_code="large_transaction", window_end=T0 + days(13)).get()
    assert latest in alerts and latest.anomaly_score is not None and latest.top_features


def test_a_tampered_blob_is_refused(book):
    train_anomaly_model_task(start=(T0 - days(1)).isoformat(), end=(T0 + days(30)).isoformat())
    model = AnomalyModel.objects.get()
    with pytest.raises(ValueError, match="HMAC"):
        anomaly.load(bytes(model.blob) + b"x", model.blob_hmac)


def test_too_few_customers_train_nothing(db):
    assert train_anomaly_model_task(start=T0.isoformat(), end=(T0 + days(1)).isoformat()) is None


def test_both_modes_raise_the_anomaly_alert_on_the_same_data(book):
    from compliance.monitoring.models import MonitoredTransaction
    from tests.compliance.monitoring.helpers import run as feed

    train_anomaly_model_task(start=(T0 - days(1)).isoformat(), end=(T0 + days(30)).isoformat())
    events = [event(book, T0 + days(20) + hours(i), 3_912_345, "out", account=f"y-{i}", country="IR") for i in range(3)]
    Alert.objects.all().delete()
    streamed = {(a.rule_code, a.customer_id, a.dedupe_key) for a in feed(events, "stream") if a.rule_code == "anomaly"}
    Alert.objects.all().delete()
    MonitoredTransaction.objects.filter(source_id__in=[e["source_id"] for e in events]).delete()
    feed(events, "batch")
    batched = {(a.rule_code, a.customer_id, a.dedupe_key) for a in Alert.objects.filter(rule_code="anomaly")}
    # one anomaly episode per customer, whichever mode (the customer's first)
    assert streamed == batched == {("anomaly", book.pk, f"anomaly:{book.pk}:1")}


def test_a_retrained_model_is_picked_up_by_a_running_process(book):
    from compliance.monitoring.services.anomaly import current_model

    train_anomaly_model_task(start=(T0 - days(1)).isoformat(), end=(T0 + days(30)).isoformat())
    first = current_model()
    assert current_model() is first  # cached: the blob is not loaded again
    train_anomaly_model_task(start=(T0 - days(1)).isoformat(), end=(T0 + days(30)).isoformat())
    assert current_model()[0] == first[0] + 1


def test_training_and_scoring_use_the_same_thirty_day_window():
    # given: 30 customers with the same steady habits over four months, nothing strange
    from compliance.monitoring.services.evaluation import transactions_upsert

    events = []
    for i, c in enumerate(CustomerFactory.create_batch(30)):
        events += [
            event(
                c,
                T0 + days(2 * d) + hours(i % 5),
                5_000 + 37 * ((d * 7 + i) % 11),
                "out" if d % 2 else "in",
                account=f"payee-{d % 4}",
                country="GB",
            )
            for d in range(60)
        ]
    transactions_upsert(events=events)
    # when: a model is trained on the four months
    version = train_anomaly_model_task(start=(T0 - days(1)).isoformat(), end=(T0 + days(121)).isoformat())
    model = AnomalyModel.objects.get(version=version)
    # then: scoring each customer's last 30 days (as the stream and the scan do) sees the very features
    # the model learnt from: the same scores, so the same top 1 %, not a quarter's totals against a month's
    frame = load_frame(start=T0 - days(31), end=T0 + days(121), lookback=0)
    real = frame.id > 0
    last = pd.Series(frame.ts[real]).groupby(frame.customer[real]).max()
    features = anomaly.customer_features(feature_windows(frame, {int(c): int(t) for c, t in last.items()}))
    scores, _ = anomaly.score(anomaly.load(bytes(model.blob), model.blob_hmac), features)
    assert len(features) == model.trained_on == 30
    assert float(np.quantile(scores, 0.99)) == pytest.approx(model.threshold)
    assert all(f["tx_count"] <= 16 for f in features.to_dict("records"))  # a month of a transfer every 2 days
