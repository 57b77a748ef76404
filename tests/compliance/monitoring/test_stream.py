"""The Redis stream with real Redis: at-least-once delivery, decided once."""

from __future__ import annotations

import uuid

import pytest

from compliance.monitoring.models import Alert, DeadLetterEvent, MonitoredTransaction
from compliance.monitoring.stream import EventStream
from tests.compliance.monitoring.helpers import T0, event, hours
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def stream(redis_url):
    s = EventStream.from_url(redis_url, stream=f"test-tx-{uuid.uuid4().hex}", max_attempts=3)
    s.ensure_group()
    yield s
    s.client.delete(s.stream, s.dead_stream)


def _pending(s: EventStream) -> int:
    return s.client.xpending(s.stream, s.group)["pending"]


def test_published_events_are_decided_and_acknowledged(stream):
    customer = CustomerFactory()
    stream.publish([event(customer, T0, 1_512_345), event(customer, T0 + hours(1), 12_345)])
    assert stream.consume_once("c1", block_ms=100) == 2
    assert list(Alert.objects.values_list("rule_code", flat=True)) == ["large_transaction"]
    assert MonitoredTransaction.objects.count() == 2
    assert _pending(stream) == 0


def test_a_redelivered_event_alerts_once(stream):
    customer = CustomerFactory()
    e = event(customer, T0, 1_512_345)
    stream.publish([e])
    stream.publish([e])  # the producer retried
    stream.consume_once("c1", block_ms=100)
    stream.consume_once("c1", block_ms=100)
    assert Alert.objects.count() == 1 and MonitoredTransaction.objects.count() == 1
    assert _pending(stream) == 0


def test_a_killed_consumers_entries_are_reclaimed_without_loss_or_duplicate(stream):
    # given consumer A read three events and died before acknowledging them
    customer = CustomerFactory()
    events = [event(customer, T0 + hours(i), 1_512_345 + i) for i in range(3)]
    stream.publish(events)
    taken_by_a = stream.read("consumer-a", count=10, block_ms=100)
    assert len(taken_by_a) == 3 and _pending(stream) == 3
    # when consumer B reclaims idle entries with XAUTOCLAIM
    assert stream.consume_once("consumer-b", block_ms=100, min_idle_ms=0) == 3
    # then nothing is lost
    assert MonitoredTransaction.objects.count() == 3 and Alert.objects.count() == 1
    assert _pending(stream) == 0
    # and if A was only slow and finishes late, nothing is decided twice
    stream.process(taken_by_a)
    assert MonitoredTransaction.objects.count() == 3 and Alert.objects.count() == 1


def test_a_poison_event_goes_to_the_dead_letters_after_max_attempts(stream):
    customer = CustomerFactory()
    poison = {**event(customer, T0, 100), "direction": "sideways"}
    stream.publish([poison, event(customer, T0, 1_512_345)])
    stream.consume_once("c1", block_ms=100)
    # the good event is decided at once; the poison one stays pending for a retry
    assert Alert.objects.count() == 1 and _pending(stream) == 1
    for _ in range(2):
        stream.consume_once("c1", block_ms=100, min_idle_ms=0)
    dead = DeadLetterEvent.objects.get()
    assert (dead.stream, dead.attempts, dead.payload["direction"]) == (stream.stream, 3, "sideways")
    assert "direction" in dead.error
    assert stream.client.xlen(stream.dead_stream) == 1 and _pending(stream) == 0


def test_the_stream_takes_its_settings_when_made_so_a_test_can_override_them(redis_url, settings):
    settings.AML_STREAM = f"test-tx-{uuid.uuid4().hex}"
    settings.AML_MAX_ATTEMPTS = 2
    settings.AML_RECLAIM_IDLE_MS = 0  # a poison entry is reclaimed at the next pass, not after a minute
    s = EventStream.from_url(redis_url)
    s.ensure_group()
    try:
        customer = CustomerFactory()
        s.publish([{**event(customer, T0, 100), "direction": "sideways"}])
        s.consume_once("c1", block_ms=100)
        s.consume_once("c1", block_ms=100)
        dead = DeadLetterEvent.objects.get()
        assert (dead.stream, dead.attempts) == (settings.AML_STREAM, 2)
        assert _pending(s) == 0
    finally:
        s.client.delete(s.stream, s.dead_stream)
