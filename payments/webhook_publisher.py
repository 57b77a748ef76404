"""Handing stored webhook deliveries to the Celery broker off the request path, in batches.

A webhook request stores its delivery (committed) and then only puts the id on this
process's queue; a background thread publishes what has gathered as ONE message
(`payments.fan_out_webhook_deliveries`), whose task gives every delivery its own apply
task on the worker side. Publishing costs a web process about a millisecond of CPU per
message, so under load one message per batch instead of one per delivery is most of the
intake's CPU saved. A process publishes at most one message per `min_interval` (200 ms):
an id that arrives after a quiet spell goes out at once, alone; ids that arrive sooner
after the last message gather until the interval has passed and go out together. Under
load that makes a batch tens of ids rather than one or two, and the delay it adds is
never on the request path (the request returned when the row was committed) and is at
most the interval.

What this may lose, and why that is safe: ids still queued when the process dies (a
SIGKILL, an OOM kill) or not published because the broker is down. Their rows are
committed with status `received`, and the beat's stale-delivery sweep
(`payments.requeue_stale_webhook_deliveries`) enqueues them later. Applying is
idempotent (the apply locks the row and acts only on `received`), so a delivery that is
both published and swept is still applied once. A clean shutdown flushes the queue
(atexit, bounded). When Celery runs eagerly (tests that ask for it), a batch is
published in the caller's thread, so its effect is visible when the call returns.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
from collections.abc import Callable

logger = logging.getLogger(__name__)

MAX_BATCH = 500  # ids per message: keeps one message small (a few kB of JSON)
MAX_PENDING = 20_000  # beyond this (a long broker outage) ids are left to the sweep
MIN_INTERVAL_SECONDS = 0.2  # at most one message per 200 ms per process: ~1 ms of web CPU each


class WebhookDeliveryPublisher:
    """A per-process queue of delivery ids and the thread that publishes it in batches.

    `publish_batch(ids)` sends one message; it may raise (broker down): the batch is
    then logged and left to the sweep. `submit` never raises and never blocks on the
    broker. Safe to use after fork: a new process gets a fresh queue and thread.
    """

    def __init__(self, publish_batch: Callable[[list[int]], None], *, eager: Callable[[], bool] = lambda: False,
                 min_interval: float = MIN_INTERVAL_SECONDS):
        self._publish_batch = publish_batch
        self._eager = eager
        self._min_interval = min_interval
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pid: int | None = None
        self._queue: queue.SimpleQueue[int] = queue.SimpleQueue()
        self._pending = 0  # submitted and not yet published (or given up on)

    def submit(self, delivery_id: int) -> None:
        """Queue a committed delivery for publishing (or publish it now, when eager)."""
        if self._eager():
            self._publish([delivery_id])
            return
        with self._lock:
            if self._pid != os.getpid():
                self._start()
            if self._pending >= MAX_PENDING:
                logger.warning("webhook delivery %s stored but not enqueued (%s waiting); the stale sweep will",
                               delivery_id, self._pending)
                return
            self._pending += 1
        self._queue.put(delivery_id)

    def flush(self, timeout: float) -> bool:
        """Wait until every submitted id is published (or given up on); False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)

    def _start(self) -> None:
        # Called with the lock held, in a new process (or the first time): the parent's
        # thread did not survive fork, so its queue is abandoned (the sweep has it).
        self._pid = os.getpid()
        self._queue = queue.SimpleQueue()
        self._pending = 0
        threading.Thread(target=self._run, args=(self._queue,), name="webhook-delivery-publisher",
                         daemon=True).start()

    def _run(self, ids: queue.SimpleQueue[int]) -> None:
        last_published = float("-inf")
        while True:
            batch = [ids.get()]
            send_at = last_published + self._min_interval  # in the past after a quiet spell: no wait
            while len(batch) < MAX_BATCH:
                wait = send_at - time.monotonic()
                try:
                    batch.append(ids.get(timeout=wait) if wait > 0 else ids.get_nowait())
                except queue.Empty:
                    if wait <= 0:
                        break
            last_published = time.monotonic()
            self._publish(batch)
            with self._idle:
                self._pending -= len(batch)
                self._idle.notify_all()

    def _publish(self, batch: list[int]) -> None:
        try:
            self._publish_batch(batch)
        except Exception:  # any broker or backend error: the stored rows are the source of truth
            logger.warning("%s webhook deliveries stored but not enqueued (ids %s..%s); the stale sweep will",
                           len(batch), min(batch), max(batch), exc_info=True)


def _publish_batch(ids: list[int]) -> None:
    from payments.tasks import fan_out_webhook_deliveries

    # ignore_result: nobody waits for it, and the Redis result backend would otherwise
    # subscribe to the result first (a round trip, and ~20 s of retries against a dead Redis).
    fan_out_webhook_deliveries.apply_async(args=[ids], ignore_result=True)


def _celery_is_eager() -> bool:
    from fintech.celery import app

    return bool(app.conf.task_always_eager)


publisher = WebhookDeliveryPublisher(_publish_batch, eager=_celery_is_eager)
atexit.register(publisher.flush, timeout=3)
