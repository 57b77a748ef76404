"""The anomaly model: trained into the database with an HMAC, scores attached to alerts."""

from __future__ import annotations

import pytest

from compliance.models import Alert, AnomalyModel
from compliance.monitoring import anomaly
from compliance.services.anomaly import anomaly_scan
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
        events += [event(c, T0 + days(d) + hours(i % 7), 2_345 + 10 * d + i, "out" if d % 3 else "in",
                         account=f"shop-{d % 3}", country="GB") for d in range(12)]
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
