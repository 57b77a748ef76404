"""Batch scan and stream raise the same alerts on the same data; neither alerts twice."""

from __future__ import annotations

import random

import pytest

from compliance.monitoring.models import Alert, MonitoredTransaction
from compliance.monitoring.services.evaluation import aml_scan_run, events_evaluate
from tests.compliance.monitoring.helpers import T0, days, event, hours, run
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _mixed_book(customers) -> list[dict]:
    rng = random.Random(7)
    events = []
    for c in customers:
        at = T0
        for _ in range(rng.randint(5, 40)):
            at += hours(rng.choice([0.05, 0.2, 3, 20, 30, 24 * 40, 24 * 200]))
            amount = rng.choice([1_234, 99_000, 200_000, 612_345, 951_234, 1_500_000])
            events.append(
                event(
                    c,
                    at,
                    amount,
                    rng.choice(["in", "out"]),
                    account=f"cp-{rng.randint(1, 15)}",
                    country=rng.choice(["GB", "DE", "IR", ""]),
                )
            )
    return events


def _fingerprint(alerts) -> set[tuple]:
    ids = dict(MonitoredTransaction.objects.values_list("pk", "source_id"))
    return {
        (
            a.rule_code,
            a.rule_version,
            a.customer_id,
            a.window_start,
            a.window_end,
            tuple(sorted(ids[i] for i in a.transaction_ids)),
            a.score,
            a.dedupe_key,
        )
        for a in alerts
    }


def test_stream_and_batch_raise_the_same_alerts():
    # given a mixed book with every typology somewhere in it
    customers = CustomerFactory.create_batch(6)
    events = _mixed_book(customers)
    # when it is decided event by event
    streamed = _fingerprint(run(events, "stream"))
    # and, from scratch, by the batch scan
    Alert.objects.all().delete()
    MonitoredTransaction.objects.all().delete()
    batched = _fingerprint(run(events, "batch"))
    # then
    assert len({f[0] for f in streamed}) >= 5
    assert streamed == batched


def test_the_same_events_twice_alert_once():
    customer = CustomerFactory()
    events = [event(customer, T0 + hours(i), 1_512_345) for i in range(3)]
    first = events_evaluate(events=events)
    again = events_evaluate(events=events)
    assert len(first) == 1 and again == []
    assert MonitoredTransaction.objects.count() == 3 and Alert.objects.count() == 1


def test_a_second_scan_of_the_same_period_alerts_nothing_new():
    customer = CustomerFactory()
    run([event(customer, T0, 1_500_000), event(customer, T0 + days(2), 1_600_000)], "batch")
    assert Alert.objects.count() == 1  # one episode of large transactions, with both
    before = list(Alert.objects.values_list("transaction_ids", "score", "window_end"))
    result = aml_scan_run(start=T0 - days(1), end=T0 + days(5))
    assert result["alerts"] == 0 and list(Alert.objects.values_list("transaction_ids", "score", "window_end")) == before
    assert len(before[0][0]) == 2


def test_stream_after_batch_does_not_duplicate():
    customer = CustomerFactory()
    events = [event(customer, T0, 1_500_000)]
    run(events, "batch")
    assert events_evaluate(events=events) == []
    assert Alert.objects.count() == 1
