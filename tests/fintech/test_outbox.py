"""The transactional outbox: a message exists only if its transaction committed, the relay
sends it (Celery by task name, or XADD) and marks it sent, relays share the queue without
sending a row twice, and a failed send leaves the batch unsent for the next try."""

from __future__ import annotations

import json
import socket
import threading
import uuid

import orjson
import pytest
import redis as redis_lib
from django.conf import settings
from django.db import connection, transaction

from fintech.models import OutboxMessage
from fintech.outbox import outbox_event_publish, outbox_task_enqueue
from fintech.outbox.relay import OutboxRelay, outbox_relay_once


def _broker_messages(task_id: str) -> list[dict]:
    """The Celery messages with this task id waiting in the broker's default queue (removed)."""
    client = redis_lib.Redis.from_url(settings.CELERY_BROKER_URL)
    found = []
    for raw in client.lrange("celery", 0, -1):
        message = json.loads(raw)
        if message["headers"].get("id") == task_id:
            found.append(message)
            client.lrem("celery", 0, raw)
    return found


@pytest.mark.django_db(transaction=True)
def test_a_task_is_sent_by_name_only_after_its_transaction_commits():
    # given: one message rolled back with its transaction, one committed
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_task_enqueue("fintech.ping", "rolled back")
        raise RuntimeError("the write failed")
    with transaction.atomic():
        message = outbox_task_enqueue("fintech.ping", "committed")

    # when
    sent = outbox_relay_once()

    # then: only the committed one went, by its registered name, with the outbox id as task id
    assert sent == 1
    assert OutboxMessage.objects.count() == 1
    message.refresh_from_db()
    assert message.sent_at is not None
    [published] = _broker_messages(f"outbox-{message.pk}")
    assert published["headers"]["task"] == "fintech.ping"
    assert published["headers"]["argsrepr"] == "['committed']"
    assert outbox_relay_once() == 0  # marked sent: never sent again


@pytest.mark.django_db(transaction=True)
def test_an_event_is_added_to_its_stream_with_the_outbox_id():
    stream = f"test-outbox-{uuid.uuid4().hex}"
    client = redis_lib.Redis.from_url(settings.REDIS_URL)
    try:
        with transaction.atomic():
            outbox_event_publish(stream=stream, event={"reference": "pi_1", "amount": 500})
        assert outbox_relay_once() == 1
        [(_, fields)] = client.xrange(stream)
        assert orjson.loads(fields[b"event"]) == {"reference": "pi_1", "amount": 500}
        assert int(fields[b"outbox_id"]) == OutboxMessage.objects.get().pk
    finally:
        client.delete(stream)


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_redis_leaves_the_batch_unsent_for_the_next_try():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{sock.getsockname()[1]}/0"  # closed again: connections refused
    stream = f"test-outbox-{uuid.uuid4().hex}"
    outbox_event_publish(stream=stream, event={"n": 1})

    with pytest.raises(redis_lib.ConnectionError):
        OutboxRelay(redis_url=dead).send_batch()

    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 1
    client = redis_lib.Redis.from_url(settings.REDIS_URL)
    try:
        assert OutboxRelay().send_batch() == 1
        assert client.xlen(stream) == 1
    finally:
        client.delete(stream)


@pytest.mark.django_db(transaction=True)
def test_a_second_relay_skips_the_rows_a_first_one_holds():
    stream = f"test-outbox-{uuid.uuid4().hex}"
    outbox_event_publish(stream=stream, event={"n": 1})
    outbox_event_publish(stream=stream, event={"n": 2})
    first_holds, release = threading.Event(), threading.Event()

    def first_relay():
        try:
            with transaction.atomic():
                list(OutboxMessage.objects.select_for_update().order_by("pk")[:1])  # a batch of one, in flight
                first_holds.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=first_relay)
    holder.start()
    client = redis_lib.Redis.from_url(settings.REDIS_URL)
    try:
        assert first_holds.wait(10)
        # when: a second relay runs while the first holds its row
        assert OutboxRelay().send_batch() == 1
        # then: it sent only the other row, without waiting
        [(_, fields)] = client.xrange(stream)
        assert orjson.loads(fields[b"event"]) == {"n": 2}
    finally:
        release.set()
        holder.join(10)
        client.delete(stream)
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_relay_command_runs_until_stopped_and_sends_what_commits_meanwhile():
    stream = f"test-outbox-{uuid.uuid4().hex}"
    stop = threading.Event()

    def run():
        try:
            OutboxRelay().run(stop, idle_seconds=0.01)
        finally:
            connection.close()

    relay = threading.Thread(target=run)
    relay.start()
    client = redis_lib.Redis.from_url(settings.REDIS_URL)
    try:
        with transaction.atomic():
            outbox_event_publish(stream=stream, event={"n": 1})
        assert client.xread({stream: "0"}, block=5000)
    finally:
        stop.set()
        relay.join(10)
        client.delete(stream)
    assert not relay.is_alive()
    assert OutboxMessage.objects.get().sent_at is not None
