"""Concurrent writers for the write benchmarks: N processes, each with its own database connection.

Processes, not threads: each writer's Python work (building the row, its HMAC) runs on
its own interpreter, as web and worker processes do in production. Forked after every
inherited connection is closed, so no two processes share a socket. Every writer does
its setup, waits at a barrier, then calls `work(writer, i)` for `seconds`; the rate is
the units all writers completed over the time from the barrier to the last one's end.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class WriterRun:
    writers: int
    units: int
    seconds: float
    # Of the writers' backends sampled while they ran, the share waiting for a lock (row or
    # transaction id): what serialises them, as opposed to CPU, I/O or the client.
    lock_wait_share: float = 0.0

    @property
    def rate(self) -> int:
        return round(self.units / self.seconds) if self.seconds else 0


def _writer(writer: int, work: Callable[[int, int], None], seconds: float, barrier, results) -> None:
    from django.db import connections

    try:
        work(writer, -1)  # setup and warm-up (connects, resolves accounts, caches)
        barrier.wait()
        started = time.perf_counter()
        done = 0
        while time.perf_counter() - started < seconds:
            work(writer, done)
            done += 1
        results.put((done, started, time.perf_counter()))
    except BaseException as exc:  # reported to the parent, which fails the run
        results.put(exc)
        raise
    finally:
        connections.close_all()


class _LockSampler(threading.Thread):
    """Samples pg_stat_activity for this database's other backends every 50 ms."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.sampled = self.waiting = 0

    def run(self) -> None:
        from django.db import connection

        try:
            with connection.cursor() as cursor:
                while not self.stop.wait(0.05):
                    cursor.execute(
                        "SELECT count(*), count(*) FILTER (WHERE wait_event_type = 'Lock') FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                        "AND backend_type = 'client backend' AND state <> 'idle'"
                    )
                    sampled, waiting = cursor.fetchone()
                    self.sampled += sampled
                    self.waiting += waiting
        finally:
            connection.close()


def writers_run(*, writers: int, seconds: float, work: Callable[[int, int], None]) -> WriterRun:
    """Run `work` in `writers` processes for `seconds` each and count what they did."""
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(writers)
    results = context.Queue()
    processes = [
        context.Process(target=_writer, args=(w, work, seconds, barrier, results), daemon=True) for w in range(writers)
    ]
    for process in processes:
        process.start()
    sampler = _LockSampler()
    sampler.start()
    outcomes = [results.get(timeout=seconds + 120) for _ in processes]
    sampler.stop.set()
    sampler.join(timeout=10)
    for process in processes:
        process.join(timeout=30)
    failures = [o for o in outcomes if isinstance(o, BaseException)]
    if failures:
        raise RuntimeError(f"{len(failures)} writer(s) failed: {failures[0]!r}")
    units = sum(done for done, _, _ in outcomes)
    elapsed = max(end for _, _, end in outcomes) - min(start for _, start, _ in outcomes)
    share = sampler.waiting / sampler.sampled if sampler.sampled else 0.0
    return WriterRun(writers, units, elapsed, round(share, 3))
