"""Reconciliation runs: request, execute (fetch, stage, match), replace the results.

A run is one gateway and one period. Executing it:
1. claims the run (a conditional update: one executor at a time; a run left `running`
   by a lost worker is claimable again after `STALE_AFTER`), bumping its attempt;
2. streams the source's records into `ReconciliationRecord` with COPY, committing a
   batch at a time and the progress with it (what the admin shows while it runs);
3. in ONE transaction: drops the run's previous items, matches set-wise, carries the
   resolutions of exceptions over by match key, stores the counts, removes older
   attempts' records and writes the audit event. A rerun therefore replaces the
   results, never adds to them; a failed attempt leaves the previous results intact.
"""

from __future__ import annotations

import datetime as dt
from itertools import islice

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from fintech.errors import DomainError
from fintech.outbox import outbox_task_enqueue
from fintech.services.audit import audit_event_record
from fintech.truncation import truncate_to_field
from payments.errors import GatewayUnavailableError, StateConflictError
from payments.models import ReconciliationItem, ReconciliationRecord, ReconciliationRun
from payments.reconciliation.matching import reconciliation_match
from payments.reconciliation.sources import RecordSource, api_source_for
from payments.reconciliation.staging import records_copy

Status = ReconciliationRun.Status
Phase = ReconciliationRun.Phase
STALE_AFTER = dt.timedelta(hours=2)  # longer than the task's time limit
BATCH = 20_000


class ReconciliationError(DomainError):
    code = "reconciliation_failed"


def _claimable() -> Q:
    return Q(status=Status.QUEUED) | Q(status=Status.RUNNING, started_at__lt=timezone.now() - STALE_AFTER)


@transaction.atomic
def reconciliation_run_request(
    *,
    gateway: str,
    period_start: dt.date,
    period_end: dt.date | None = None,
    actor=None,
    source: str = "api",
    enqueue: bool = True,
) -> ReconciliationRun:
    """Queue the period of `gateway` (default: the one day `period_start`) to be run,
    by the Celery task `payments.reconcile` after commit unless `enqueue` is False."""
    period_end = period_end or period_start + dt.timedelta(days=1)
    if period_end <= period_start:
        raise ReconciliationError("the period ends before it starts")
    run, _ = ReconciliationRun.objects.get_or_create(gateway=gateway, period_start=period_start, period_end=period_end)
    run = ReconciliationRun.objects.select_for_update().get(pk=run.pk)
    if run.status == Status.RUNNING and not ReconciliationRun.objects.filter(pk=run.pk).filter(_claimable()).exists():
        raise StateConflictError(f"{gateway} {period_start}..{period_end} is running now")
    before = {"status": run.status, "attempt": run.attempt}
    ReconciliationRun.objects.filter(pk=run.pk).update(
        status=Status.QUEUED,
        phase=Phase.WAITING,
        requested_by=actor,
        source=truncate_to_field(ReconciliationRun, "source", source),
        error="",
    )
    run.refresh_from_db()
    audit_event_record(
        action="payments.reconciliation_run.requested",
        actor=actor,
        target=run,
        before=before,
        after={"gateway": gateway, "period_start": str(period_start), "period_end": str(period_end), "source": source},
    )
    if enqueue:
        outbox_task_enqueue("payments.reconcile", run.pk)
    return run


def _claim(run_id: int) -> ReconciliationRun | None:
    now = timezone.now()
    claimed = (
        ReconciliationRun.objects.filter(pk=run_id)
        .filter(_claimable())
        .update(
            status=Status.RUNNING,
            phase=Phase.FETCHING,
            attempt=F("attempt") + 1,
            started_at=now,
            progress_at=now,
            finished_at=None,
            records_fetched=0,
            error="",
        )
    )
    return ReconciliationRun.objects.get(pk=run_id) if claimed else None


def _stage(run: ReconciliationRun, source: RecordSource, attempt: int, batch_size: int = BATCH) -> int:
    """Stage the source's records: set-wise if the source can (`stage`), else COPY in
    batches, each committed with the progress it makes."""
    if hasattr(source, "stage"):
        with transaction.atomic():
            fetched = source.stage(run_id=run.pk, attempt=attempt, start=run.period_start, end=run.period_end)
            ReconciliationRun.objects.filter(pk=run.pk, attempt=attempt).update(
                records_fetched=fetched, progress_at=timezone.now()
            )
        return fetched
    fetched = 0
    records = iter(source.records(start=run.period_start, end=run.period_end))
    while batch := list(islice(records, batch_size)):
        with transaction.atomic():
            fetched += records_copy(run_id=run.pk, attempt=attempt, records=batch)
            ReconciliationRun.objects.filter(pk=run.pk, attempt=attempt).update(
                records_fetched=fetched, progress_at=timezone.now()
            )
    return fetched


@transaction.atomic
def _replace_results(run: ReconciliationRun, attempt: int, actor) -> ReconciliationRun:
    run = ReconciliationRun.objects.select_for_update().get(pk=run.pk)
    if run.attempt != attempt:
        raise StateConflictError(f"run {run.pk} was claimed again (attempt {run.attempt}, not {attempt})")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS recon_kept")
        cursor.execute(
            """CREATE TEMP TABLE recon_kept ON COMMIT DROP AS
               SELECT match_key, resolution, resolution_note, resolved_by_id, resolved_at, adjusting_entry_id
                 FROM payments_reconciliationitem WHERE run_id = %s AND resolution <> ''""",
            [run.pk],
        )
        cursor.execute("DELETE FROM payments_reconciliationitem WHERE run_id = %s", [run.pk])
    reconciliation_match(
        run=run,
        attempt=attempt,
        window_days=settings.RECONCILIATION_DATE_WINDOW_DAYS,
        work_mem=settings.RECONCILIATION_WORK_MEM,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE payments_reconciliationitem i
                  SET resolution = k.resolution, resolution_note = k.resolution_note,
                      resolved_by_id = k.resolved_by_id, resolved_at = k.resolved_at,
                      adjusting_entry_id = k.adjusting_entry_id
                 FROM recon_kept k WHERE i.run_id = %s AND i.match_key = k.match_key""",
            [run.pk],
        )
        cursor.execute(
            "DELETE FROM payments_reconciliationrecord WHERE run_id = %s AND attempt <> %s", [run.pk, attempt]
        )
    counts = dict(
        ReconciliationItem.objects.filter(run=run)
        .values_list("classification")
        .annotate(n=Count("pk"))
        .values_list("classification", "n")
    )
    counts = {c: counts.get(c, 0) for c in ReconciliationItem.Classification.values}
    now = timezone.now()
    ReconciliationRun.objects.filter(pk=run.pk).update(
        status=Status.SUCCEEDED,
        phase=Phase.DONE,
        counts=counts,
        items_total=sum(counts.values()),
        finished_at=now,
    )
    run.refresh_from_db()
    audit_event_record(
        action="payments.reconciliation_run.completed",
        actor=actor,
        target=run,
        after={"attempt": attempt, "records": run.records_fetched, "counts": counts},
    )
    return run


def _fail(run: ReconciliationRun, attempt: int, exc: Exception, *, retry: bool) -> None:
    detail = getattr(exc, "detail", None) or str(exc) or type(exc).__name__
    with transaction.atomic():
        ReconciliationRecord.objects.filter(run=run, attempt=attempt).delete()
        ReconciliationRun.objects.filter(pk=run.pk, attempt=attempt).update(
            status=Status.QUEUED if retry else Status.FAILED,
            phase=Phase.WAITING if retry else Phase.DONE,
            error=detail[:5000],
            finished_at=None if retry else timezone.now(),
            progress_at=timezone.now(),
        )
        audit_event_record(
            action="payments.reconciliation_run.failed",
            target=run,
            outcome="failure",
            after={"attempt": attempt, "error": detail[:1000], "will_retry": retry},
        )


def reconciliation_run_execute(
    *, run_id: int, source: RecordSource | None = None, actor=None, batch_size: int = BATCH
) -> ReconciliationRun:
    """Run a queued period now (see the module docstring). Returns the run as it ended;
    a run that is not queued (done, or running elsewhere) is returned untouched."""
    run = _claim(run_id)
    if run is None:
        return ReconciliationRun.objects.get(pk=run_id)
    attempt = run.attempt
    try:
        source = source or api_source_for(run.gateway)
        _stage(run, source, attempt, batch_size)
        ReconciliationRun.objects.filter(pk=run.pk, attempt=attempt).update(
            phase=Phase.MATCHING, progress_at=timezone.now()
        )
        return _replace_results(run, attempt, actor)
    except GatewayUnavailableError as exc:
        _fail(run, attempt, exc, retry=True)
        raise
    except Exception as exc:
        _fail(run, attempt, exc, retry=False)
        raise


def reconciliation_run_now(
    *,
    gateway: str,
    period_start: dt.date,
    period_end: dt.date | None = None,
    source: RecordSource | None = None,
    actor=None,
) -> ReconciliationRun:
    """Request and execute in this process (the management command, tests)."""
    run = reconciliation_run_request(
        gateway=gateway,
        period_start=period_start,
        period_end=period_end,
        actor=actor,
        source=source.name if source else "api",
        enqueue=False,
    )
    return reconciliation_run_execute(run_id=run.pk, source=source, actor=actor)


def reconciliation_runs_nightly(*, today: dt.date | None = None) -> list[ReconciliationRun]:
    """Queue the previous UTC day for every gateway in RECONCILIATION_GATEWAYS; a period
    already running is left to finish."""
    day = (today or timezone.now().astimezone(dt.UTC).date()) - dt.timedelta(days=1)
    runs = []
    for gateway in settings.RECONCILIATION_GATEWAYS:
        try:
            runs.append(reconciliation_run_request(gateway=gateway, period_start=day))
        except StateConflictError:
            continue
    return runs
