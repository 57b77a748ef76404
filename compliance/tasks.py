"""Thin Celery tasks of the compliance app."""

from __future__ import annotations

from celery import shared_task

from compliance.services.rescreen import customers_rescreen


@shared_task(
    name="compliance.rescreen_customers", acks_late=True, reject_on_worker_lost=True,
    time_limit=3600, soft_time_limit=3300,
)
def rescreen_customers_task(snapshot_id: int) -> dict[str, int]:
    """Re-screen every customer after a list import.

    Safe to run twice or after a lost worker (hence acks_late): a hit is never raised
    twice for the same party and entry. No automatic retry: a failure is a bug or an
    outage to look at, and the next import re-screens everyone anyway.
    """
    return customers_rescreen(snapshot_id=snapshot_id)
