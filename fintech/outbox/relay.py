"""The relay: sends committed outbox messages to Celery and Redis streams, marks them sent.

One batch is one transaction: lock up to `batch_size` unsent rows with
`SELECT ... FOR UPDATE SKIP LOCKED` (so several relays share the queue without waiting on
each other or sending a row twice while both live), send them, mark them sent, commit.
A failure anywhere (broker or Redis down, PostgreSQL restarting) rolls the batch back:
the rows stay unsent and go again on the next try. A relay killed after sending and
before its commit sends those rows again, so delivery is at least once and every consumer
is idempotent: a task checks the state it would change, a stream entry is decided once
per transaction source id. Celery messages carry the task id `outbox-<pk>`.

Latency is short polling: an empty queue is looked at again every `idle_seconds`
(50 ms by default), one index-only probe of the unsent partial index, so a committed
effect leaves within about that delay plus the send.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from datetime import timedelta

import orjson
import redis

# The project's Celery app (config/celery.py, created before any app module is imported);
# the core reaches it as Celery's current app because it imports nothing of the project.
from celery import current_app as celery_app
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from fintech.models import OutboxMessage

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
IDLE_SECONDS = 0.05
BACKOFF_MAX_SECONDS = 5.0
PURGE_EVERY_SECONDS = 60.0
PURGE_BATCH = 10_000

Kind = OutboxMessage.Kind


class OutboxRelay:
    """A relay with its Redis client; `send_batch` is one transaction, `run` loops until stopped."""

    def __init__(self, *, batch_size: int = BATCH_SIZE, redis_url: str | None = None) -> None:
        self.batch_size = batch_size
        # Short timeouts: a Redis outage fails the batch quickly (it is retried), not the relay.
        self.redis = redis.Redis.from_url(redis_url or settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=2)
        self._connection = None  # the Celery broker connection, opened on first use

    def send_batch(self) -> int:
        """Send one batch of unsent messages and mark them sent; how many were sent."""
        eager = bool(celery_app.conf.task_always_eager)
        with transaction.atomic():
            rows = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(sent_at__isnull=True)
                .order_by("pk")[: self.batch_size]
            )
            if not rows:
                return 0
            tasks = [row for row in rows if row.kind == Kind.TASK]
            self._xadd([row for row in rows if row.kind == Kind.STREAM])
            if not eager:
                self._send_tasks(tasks)
            OutboxMessage.objects.filter(pk__in=[row.pk for row in rows]).update(sent_at=timezone.now())
            if any(row.sealed for row in rows):
                OutboxMessage.objects.filter(pk__in=[row.pk for row in rows if row.sealed]).update(sealed=None)
        if eager:
            # Tests that ask for eager Celery: the task runs here, after the batch is marked
            # sent, so its own writes and outbox rows are committed (or raised) like a worker's.
            for row in tasks:
                celery_app.tasks[row.destination].apply(
                    args=row.payload.get("args") or [],
                    kwargs=_kwargs(row),
                    task_id=f"outbox-{row.pk}",
                    headers=row.payload.get("headers") or None,
                )
        return len(rows)

    def _xadd(self, rows: list[OutboxMessage]) -> None:
        if not rows:
            return
        pipe = self.redis.pipeline(transaction=False)
        for row in rows:
            pipe.xadd(
                row.destination, {"event": orjson.dumps({**row.payload, **(row.sealed or {})}), "outbox_id": row.pk}
            )
        pipe.execute()

    def _send_tasks(self, rows: list[OutboxMessage]) -> None:
        if not rows:
            return
        try:
            producer = celery_app.amqp.Producer(self._broker(), auto_declare=False)
            for row in rows:
                celery_app.send_task(
                    row.destination,
                    args=row.payload.get("args") or [],
                    kwargs=_kwargs(row),
                    task_id=f"outbox-{row.pk}",
                    headers=row.payload.get("headers") or None,
                    producer=producer,
                    ignore_result=True,
                    retry=False,
                )
        except Exception:
            self._broker_close()  # a fresh connection on the next try
            raise

    def _broker(self):
        """The relay's own broker connection, connected now or failing now: kombu's pooled
        producers would retry a dead broker inside the first publish (for minutes), and the
        relay would hang there instead of backing off and saying so."""
        if self._connection is None:
            self._connection = celery_app.connection_for_write()
        self._connection.ensure_connection(max_retries=1, interval_start=0, timeout=2)
        return self._connection

    def _broker_close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):  # closing a connection that is already broken
                self._connection.release()
            self._connection = None

    def purge_sent(self, *, older_than: timedelta) -> int:
        """Delete sent messages older than `older_than` (at most PURGE_BATCH a call)."""
        cutoff = timezone.now() - older_than
        ids = list(
            OutboxMessage.objects.filter(sent_at__lt=cutoff).order_by("pk").values_list("pk", flat=True)[:PURGE_BATCH]
        )
        return OutboxMessage.objects.filter(pk__in=ids).delete()[0] if ids else 0

    def run(self, stop: threading.Event, *, idle_seconds: float = IDLE_SECONDS) -> None:
        """Send until `stop` is set: at once while there is a backlog, every `idle_seconds`
        when the queue is empty, with backoff while a send or the database fails."""
        backoff, next_purge = 0.0, time.monotonic()
        retention = timedelta(seconds=settings.OUTBOX_RETENTION_SECONDS)
        while not stop.is_set():
            try:
                sent = self.send_batch()
                if time.monotonic() >= next_purge:
                    self.purge_sent(older_than=retention)
                    next_purge = time.monotonic() + PURGE_EVERY_SECONDS
            except Exception:  # noqa: BLE001 - any broker, Redis or database failure: the rows wait, unsent
                backoff = min(max(backoff * 2, 0.2), BACKOFF_MAX_SECONDS)
                logger.warning("outbox relay: batch not sent, retrying in %.1f s", backoff, exc_info=True)
                if connection.connection is not None and not connection.is_usable():
                    connection.close()  # a restarted PostgreSQL: reconnect on the next try
                stop.wait(backoff)
                continue
            backoff = 0.0
            if sent < self.batch_size:
                stop.wait(idle_seconds)


def _kwargs(row: OutboxMessage) -> dict:
    return {**(row.payload.get("kwargs") or {}), **(row.sealed or {})}


def outbox_relay_once(*, batch_size: int = BATCH_SIZE) -> int:
    """Drain the outbox in this process until it is empty (tests, the crash tests' checks);
    how many messages were sent. Tasks that record new messages are drained too."""
    relay, total = OutboxRelay(batch_size=batch_size), 0
    while sent := relay.send_batch():
        total += sent
    return total
