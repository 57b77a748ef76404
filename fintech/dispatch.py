"""Sending Celery tasks after the current transaction commits, without ever failing the caller.

`transaction.on_commit(partial(task.delay, ...), robust=True)` looks right but is not:
Django's robust-hook logging reads `func.__qualname__`, which a `functools.partial` does
not have, so a broker outage escapes as a 500 *after* the commit; and the Redis result
backend waits ~20 s subscribing to a result no one reads. Here the send is a named
function that logs and swallows broker errors, with `ignore_result=True`. Whatever was
not sent is picked up by the owner's sweep task (each caller names its own).
"""

from __future__ import annotations

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Queue `task(*args, **kwargs)` once the surrounding transaction commits (at once outside one)."""

    def send_task_after_commit() -> None:
        try:
            task.apply_async(args=args, kwargs=kwargs, ignore_result=True)
        except Exception:  # any broker or connection failure: the record is committed, the sweep resends
            logger.warning("could not enqueue %s after commit; its sweep will resend it", task.name, exc_info=True)

    transaction.on_commit(send_task_after_commit)
