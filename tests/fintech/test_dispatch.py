"""enqueue_on_commit: sent after commit; a dead broker neither raises nor blocks the caller."""

from __future__ import annotations

import socket
import time

import pytest
from celery import Celery
from django.db import transaction

from fintech.dispatch import enqueue_on_commit


def _dead_broker_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"  # closed again: connections are refused


@pytest.mark.django_db(transaction=True)
def test_a_dead_broker_after_commit_is_logged_not_raised(caplog):
    dead = Celery("dead-broker", broker=_dead_broker_url(), set_as_current=False)
    dead.conf.broker_connection_timeout = 1
    dead.conf.broker_connection_max_retries = 0
    dead.conf.task_publish_retry = False

    @dead.task(name="tests.never_sent")
    def never_sent(x):  # pragma: no cover - no worker
        return x

    started = time.monotonic()
    with transaction.atomic():
        enqueue_on_commit(never_sent, 1)
    assert time.monotonic() - started < 10
    assert any("could not enqueue tests.never_sent" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_the_task_is_sent_only_when_the_transaction_commits(django_capture_on_commit_callbacks):
    app = Celery("capture", broker="memory://", set_as_current=False)

    @app.task(name="tests.captured")
    def captured(x):  # pragma: no cover - no worker
        return x

    with app.connection_for_read() as conn:
        queue = conn.SimpleQueue("celery")
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            enqueue_on_commit(captured, 7)
        assert queue.qsize() == 0  # nothing before the commit
        for callback in callbacks:
            callback()
        message = queue.get(timeout=2)
        assert message.headers["task"] == "tests.captured"
        assert message.headers["argsrepr"] == "(7,)"
        message.ack()
        queue.close()
