"""Storing a delivery in one statement, and publishing its task off the request path in batches.

Real PostgreSQL and Redis; a dead broker is a Celery client pointed at a loopback port
nothing listens on. Nothing of the code under test is patched: the publisher is given
the function that sends a batch, as the production one is.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
import uuid

import pytest
import redis as redis_lib
from celery import Celery
from django.db import connection

from fintech.celery import app as celery_app
from payments.models import WebhookDelivery
from payments.services.webhooks import webhook_delivery_record
from payments.tasks import requeue_stale_webhook_deliveries
from payments.webhook_publisher import WebhookDeliveryPublisher, publisher
from tests.payments.conftest import post_event

FAN_OUT = "payments.fan_out_webhook_deliveries"


def _messages(redis_url: str, queue: str) -> list[dict]:
    """The Celery messages waiting in a Redis queue: [{"task", "args"}], oldest first."""
    raw = redis_lib.Redis.from_url(redis_url).lrange(queue, 0, -1)
    messages = []
    for item in reversed(raw):  # kombu LPUSHes, workers BRPOP: the oldest is last
        envelope = json.loads(item)
        args, _kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
        messages.append({"task": envelope["headers"]["task"], "args": args})
    return messages


def _committed_elsewhere(delivery_id: int) -> bool:
    """Whether another connection (another process, as it were) sees the row."""
    other = connection.get_new_connection(connection.get_connection_params())
    try:
        with other.cursor() as cur:
            cur.execute("SELECT count(*) FROM payments_webhookdelivery WHERE id = %s", [delivery_id])
            return cur.fetchone()[0] == 1
    finally:
        other.close()


def _dead_broker_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"  # closed again: connections are refused


@pytest.mark.django_db(transaction=True)
def test_a_new_delivery_is_committed_when_recorded_and_a_redelivery_returns_the_stored_row():
    # when: recorded outside any transaction, as the webhook views do
    first, created = webhook_delivery_record(provider="stripe", event_key="evt_once", event_type="charge.refunded",
                                             raw_body='{"id": "evt_once"}')
    # then: durable before the view answers (another connection sees it)
    assert created is True
    assert _committed_elsewhere(first.pk)
    assert (first.status, first.attempts, first.error) == (WebhookDelivery.Status.RECEIVED, 0, "")
    # when: the same event again, with a different body even
    again, created_again = webhook_delivery_record(provider="stripe", event_key="evt_once",
                                                   event_type="charge.refunded", raw_body='{"id": "evt_once", "x": 1}')
    # then: the stored row, unchanged, and still one row
    assert created_again is False
    assert again.pk == first.pk
    assert again.raw_body == '{"id": "evt_once"}'
    assert WebhookDelivery.objects.count() == 1
    # the same key from another provider is another delivery
    other, created_other = webhook_delivery_record(provider="braintree", event_key="evt_once", event_type="x",
                                                   raw_body="bt")
    assert created_other is True and other.pk != first.pk
    stored = WebhookDelivery.objects.get(pk=first.pk)
    assert stored.received_at is not None and stored.processed_at is None


@pytest.mark.django_db
def test_inside_a_callers_transaction_the_enqueue_waits_for_its_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        _, created = webhook_delivery_record(provider="stripe", event_key="evt_in_tx", event_type="t", raw_body="{}")
    assert created is True
    assert len(callbacks) == 1  # deferred to the commit, not run inside the transaction


def test_ids_submitted_while_a_batch_is_being_published_go_out_together_in_one_message(redis_url):
    queue = f"test-publisher-{uuid.uuid4().hex[:8]}"
    client = Celery("publisher-test", broker=redis_url, set_as_current=False)
    first_publish_started, release_first = threading.Event(), threading.Event()

    def publish_batch(ids: list[int]) -> None:
        if not first_publish_started.is_set():
            first_publish_started.set()
            assert release_first.wait(timeout=10)
        client.send_task(FAN_OUT, args=[ids], queue=queue, ignore_result=True)

    publisher_under_test = WebhookDeliveryPublisher(publish_batch)
    try:
        # given: the first id is being published (held in the broker call)
        publisher_under_test.submit(1)
        assert first_publish_started.wait(timeout=10)
        # when: more ids arrive meanwhile, and the first publish finishes
        for delivery_id in range(2, 42):
            publisher_under_test.submit(delivery_id)
        release_first.set()
        # then: flush returns once all are out, in two messages, each id exactly once, in order
        assert publisher_under_test.flush(timeout=10) is True
        assert _messages(redis_url, queue) == [{"task": FAN_OUT, "args": [[1]]},
                                               {"task": FAN_OUT, "args": [list(range(2, 42))]}]
    finally:
        redis_lib.Redis.from_url(redis_url).delete(queue)
        client.close()


def test_after_a_quiet_spell_an_id_goes_at_once_and_the_next_ones_wait_out_the_interval_together():
    sent: list[tuple[float, list[int]]] = []
    first_sent = threading.Event()

    def publish_batch(ids: list[int]) -> None:
        sent.append((time.monotonic(), ids))
        first_sent.set()

    publisher_under_test = WebhookDeliveryPublisher(publish_batch, min_interval=1.0)
    submitted = time.monotonic()
    # when: one id after a quiet spell, then ten more in quick succession
    publisher_under_test.submit(1)
    assert first_sent.wait(timeout=10)
    for delivery_id in range(2, 12):
        publisher_under_test.submit(delivery_id)
        time.sleep(0.01)
    assert publisher_under_test.flush(timeout=10) is True
    # then: the first went alone without waiting; the rest in one message, one interval later
    assert [ids for _, ids in sent] == [[1], list(range(2, 12))]
    assert sent[0][0] - submitted < 0.9
    assert sent[1][0] - sent[0][0] >= 1.0


def test_a_dead_broker_neither_raises_nor_blocks_the_submitter_and_the_publisher_carries_on():
    dead = Celery("dead-broker", broker=_dead_broker_url(), set_as_current=False)
    dead.conf.broker_connection_timeout = 1
    attempts: list[list[int]] = []

    def publish_batch(ids: list[int]) -> None:
        attempts.append(ids)
        dead.send_task(FAN_OUT, args=[ids], ignore_result=True, retry=False)

    publisher_under_test = WebhookDeliveryPublisher(publish_batch)
    try:
        publisher_under_test.submit(7)  # returns at once; the failure happens on the publisher's thread
        assert publisher_under_test.flush(timeout=30) is True
        publisher_under_test.submit(8)  # the thread survived the failure
        assert publisher_under_test.flush(timeout=30) is True
    finally:
        dead.close()
    assert attempts == [[7], [8]]


@pytest.mark.django_db(transaction=True)
def test_the_endpoint_publishes_one_fan_out_message_after_the_row_is_committed(client, redis_url):
    # given: the production publisher and broker (REDIS_URL), not eager
    assert not celery_app.conf.task_always_eager
    queue = celery_app.conf.task_default_queue
    before = len(_messages(redis_url, queue))
    # when
    response = post_event(client, {"id": "evt_published_once", "object": "event", "type": "payout.paid"})
    assert response.status_code == 200
    delivery_id = response.json()["delivery"]
    assert publisher.flush(timeout=10) is True
    # then: its id went out in a fan-out message (other tests' messages may be there too)
    published = [m for m in _messages(redis_url, queue)[before:] if m["task"] == FAN_OUT]
    assert [delivery_id] in [m["args"][0] for m in published]
    assert _committed_elsewhere(delivery_id)


@pytest.mark.django_db
def test_a_delivery_whose_message_never_went_out_is_stored_and_the_sweep_applies_it(client, eager_tasks):
    # given: a delivery stored whose publish failed (dead broker): it answers 200 and waits as received
    dead = Celery("dead-broker", broker=_dead_broker_url(), set_as_current=False)
    publisher_to_nowhere = WebhookDeliveryPublisher(
        lambda ids: dead.send_task(FAN_OUT, args=[ids], ignore_result=True, retry=False)
    )
    delivery, created = webhook_delivery_record(provider="stripe", event_key="evt_lost_message",
                                                event_type="customer.created", raw_body=json.dumps(
                                                    {"id": "evt_lost_message", "type": "customer.created"}))
    publisher_to_nowhere.submit(delivery.pk)
    assert publisher_to_nowhere.flush(timeout=30) is True
    dead.close()
    assert created and WebhookDelivery.objects.get(pk=delivery.pk).status == WebhookDelivery.Status.RECEIVED
    # when: the beat's sweep runs (eagerly here)
    assert requeue_stale_webhook_deliveries(older_than_seconds=0) == 1
    # then: applied once (an unhandled type is stored and marked ignored)
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == WebhookDelivery.Status.IGNORED
    assert requeue_stale_webhook_deliveries(older_than_seconds=0) == 0
