"""The compliance app's Celery tasks, thin doors over the features' services (screening's
re-screen, monitoring's scan and anomaly training).

They stay in this one module, where Celery's autodiscovery looks (`<app>.tasks`), rather than
in each feature: the import-linter contract "Services do not import tasks" can then forbid
`compliance.tasks` to every feature package whole. Services enqueue them by their `name=`
through the outbox, never by import."""

from __future__ import annotations

from celery import shared_task

from compliance.monitoring.services.anomaly import anomaly_model_train
from compliance.monitoring.services.evaluation import aml_scan_run
from compliance.screening.rescreen import customers_rescreen


@shared_task(
    name="compliance.rescreen_customers",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=3600,
    soft_time_limit=3300,
)
def rescreen_customers_task(snapshot_id: int) -> dict[str, int]:
    """Re-screen every customer after a list import.

    Safe to run twice or after a lost worker (hence acks_late): a hit is never raised
    twice for the same party and entry. No automatic retry: a failure is a bug or an
    outage to look at, and the next import re-screens everyone anyway.
    """
    return customers_rescreen(snapshot_id=snapshot_id)


@shared_task(
    name="compliance.run_aml_scan", acks_late=True, reject_on_worker_lost=True, time_limit=3600, soft_time_limit=3300
)
def run_aml_scan_task(start: str | None = None, end: str | None = None) -> dict[str, int]:
    """Batch scan of [start, end) (ISO 8601); by default the previous UTC day (nightly beat).

    Safe to re-run or redeliver (hence acks_late): alerts are unique per rule, customer
    and window. No automatic retry: a failed scan is re-run by the next beat or by hand.
    """
    start_at, end_at = _period(start, end)
    return aml_scan_run(start=start_at, end=end_at)


@shared_task(name="compliance.train_anomaly_model", time_limit=3600, soft_time_limit=3300)
def train_anomaly_model_task(start: str | None = None, end: str | None = None) -> int | None:
    """Train a new anomaly model version on [start, end) (default: the last 90 days).

    No acks_late and no retry: a duplicate run would only add an equivalent version.
    """
    start_at, end_at = _period(start, end, days=90)
    model = anomaly_model_train(start=start_at, end=end_at)
    return model.version if model else None


def _period(start: str | None, end: str | None, days: int = 1):
    import datetime

    from django.utils import timezone

    end_at = (
        datetime.datetime.fromisoformat(end)
        if end
        else timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    )
    start_at = datetime.datetime.fromisoformat(start) if start else end_at - datetime.timedelta(days=days)
    return start_at, end_at
