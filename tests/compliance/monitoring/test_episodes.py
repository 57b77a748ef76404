"""Alert episodes: one alert per pattern that grows while it continues, the same whatever the order (#19)."""

from __future__ import annotations

import random

import pytest

from compliance.monitoring.models import Alert, MonitoredTransaction
from compliance.monitoring.services.evaluation import events_evaluate
from fintech.models import AuditEvent
from tests.compliance.monitoring.helpers import T0, days, event, hours, run
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _fan_in(customer) -> list[dict]:
    """Known history, then money from twelve new senders over six days."""
    history = [event(customer, T0 - days(40), 10_000, "in", account="employer")]
    return history + [event(customer, T0 + hours(12 * i), 12_345, "in", account=f"sender-{i}") for i in range(12)]


def _episodes() -> set[tuple]:
    source_ids = dict(MonitoredTransaction.objects.values_list("pk", "source_id"))
    return {
        (a.rule_code, a.window_start, a.window_end, tuple(sorted(source_ids[i] for i in a.transaction_ids)), a.score)
        for a in Alert.objects.all()
    }


def test_a_fan_in_over_several_days_is_one_alert_that_grew():
    customer = CustomerFactory()
    alerts = run(_fan_in(customer), "stream")
    # then: the rule fired on days 5 and 6 (the 10th to 12th sender): one alert, with all of it
    assert [a.rule_code for a in alerts] == ["fan_in"]
    assert len(alerts[0].transaction_ids) == 12
    assert AuditEvent.objects.filter(action="compliance.alerts.grown").exists()


def test_shuffled_arrival_reaches_the_batch_scans_evidence_and_score():
    customer = CustomerFactory()
    events = _fan_in(customer)
    run(events, "batch")
    batch = _episodes()
    Alert.objects.all().delete()
    MonitoredTransaction.objects.all().delete()
    shuffled = events[:]
    random.Random(7).shuffle(shuffled)
    for e in shuffled:
        events_evaluate(events=[e])
    assert _episodes() == batch
    ((_, _, _, evidence, score),) = batch
    assert len(evidence) == 12 and score > 50  # twelve senders: above the rule's ten, scored higher


def test_a_closed_episode_is_not_reopened_the_pattern_going_on_is_a_new_one():
    customer = CustomerFactory()
    events = _fan_in(customer)
    run(events[:11], "stream")
    Alert.objects.update(status=Alert.Status.CLOSED)
    run(events[11:], "stream")
    alerts = list(Alert.objects.order_by("pk"))
    assert [(a.rule_code, a.status) for a in alerts] == [("fan_in", "closed"), ("fan_in", "open")]
    assert len(alerts[0].transaction_ids) == 10
