"""Runs: a rerun replaces the period's results (the same items and counts, never twice
as many), resolutions survive it, the Celery task and the nightly schedule."""

from __future__ import annotations

import datetime as dt

import pytest

from fintech.models import AuditEvent
from payments.models import ReconciliationItem, ReconciliationRecord, ReconciliationRun
from payments.reconciliation.resolutions import reconciliation_exception_explain
from payments.reconciliation.runs import reconciliation_run_now, reconciliation_runs_nightly
from payments.reconciliation.sources import SettlementFileSource
from payments.tasks import reconcile
from tests.factories import make_staff
from tests.helpers import outbox_tasks
from tests.payments.reconciliation.conftest import paid, period, row

pytestmark = pytest.mark.django_db
FIELDS = (
    "match_key",
    "classification",
    "match_method",
    "reference",
    "gateway_amount",
    "ledger_object_id",
    "difference",
    "candidates",
    "resolution",
    "resolution_note",
)


def _snapshot(run):
    return sorted(ReconciliationItem.objects.filter(run=run).values_list(*FIELDS))


def test_a_rerun_changes_nothing_and_keeps_resolutions(settlement_file):
    # given
    paid(2500, charge="ch_r1")
    paid(1200, charge="ch_r2")
    path = settlement_file(
        [row("ch_r1", "charge", "25.00"), row("ch_r3", "charge", "9.00"), row("ch_r1", "charge", "25.00")]
    )
    start, end = period()

    def run_it():
        return reconciliation_run_now(
            gateway="stripe", period_start=start, period_end=end, source=SettlementFileSource(path, "stripe")
        )

    first = run_it()
    operator, _ = make_staff("payops")
    exception = ReconciliationItem.objects.get(run=first, reference="ch_r3")
    reconciliation_exception_explain(item=exception, note="test charge of the gateway's", actor=operator)
    before, counts = _snapshot(first), first.counts
    # when
    second = run_it()
    # then: the same run row, the same items and counts, nothing duplicated
    assert second.pk == first.pk and second.attempt == 2
    assert _snapshot(second) == before
    assert (
        second.counts
        == counts
        == {
            **dict.fromkeys(ReconciliationItem.Classification.values, 0),
            "matched": 1,
            "missing_in_ledger": 1,
            "missing_at_gateway": 1,
            "duplicate": 1,
        }
    )
    assert ReconciliationItem.objects.count() == 4
    assert ReconciliationRun.objects.count() == 1
    assert set(ReconciliationRecord.objects.values_list("attempt", flat=True)) == {2}
    kept = ReconciliationItem.objects.get(run=second, reference="ch_r3")
    assert (kept.resolution, kept.resolved_by_id) == ("explained", operator.pk)
    assert AuditEvent.objects.filter(action="payments.reconciliation_run.completed").count() == 2


def test_the_task_runs_a_queued_run_once(fake_stripe):
    from payments.reconciliation.runs import reconciliation_run_request

    start, end = period()
    run = reconciliation_run_request(gateway="stripe", period_start=start, period_end=end, enqueue=False)
    assert reconcile.run(run.pk) == "succeeded"
    # a redelivered message finds the run done and does nothing
    assert reconcile.run(run.pk) == "succeeded"
    assert ReconciliationRun.objects.get(pk=run.pk).attempt == 1
    assert reconcile.acks_late


def test_nightly_schedule_queues_yesterday_for_each_configured_gateway(settings):
    settings.RECONCILIATION_GATEWAYS = ["stripe", "braintree"]
    assert settings.CELERY_BEAT_SCHEDULE["payments-reconcile-nightly"]["task"] == "payments.reconcile_previous_day"
    runs = reconciliation_runs_nightly(today=dt.date(2026, 11, 21))
    assert sorted((r.gateway, r.period_start, r.period_end, r.status) for r in runs) == [
        ("braintree", dt.date(2026, 11, 20), dt.date(2026, 11, 21), "queued"),
        ("stripe", dt.date(2026, 11, 20), dt.date(2026, 11, 21), "queued"),
    ]
    assert sorted(outbox_tasks()) == sorted(("payments.reconcile", [r.pk]) for r in runs)  # one task each


def test_progress_is_written_batch_by_batch_while_records_are_fetched():
    # given: a source that looks at the run while it is being fetched
    from payments.reconciliation.runs import reconciliation_run_execute, reconciliation_run_request
    from payments.reconciliation.sources import SettlementRecord

    seen = []

    class Watching:
        gateway, name = "stripe", "watching"

        def records(self, *, start, end):
            for n in range(5):
                run = ReconciliationRun.objects.get()
                seen.append((run.status, run.phase, run.records_fetched))
                yield SettlementRecord(
                    record_id=f"txn_{n}",
                    reference=f"ch_{n}",
                    type="charge",
                    amount=100,
                    fee=0,
                    net=100,
                    currency="EUR",
                    settled_at=dt.datetime.now(dt.UTC),
                )

    start, end = period()
    run = reconciliation_run_request(gateway="stripe", period_start=start, period_end=end, enqueue=False)
    # when
    done = reconciliation_run_execute(run_id=run.pk, source=Watching(), batch_size=2)
    # then
    assert seen == [("running", "fetching", n) for n in (0, 0, 2, 2, 4)]
    assert (done.status, done.phase, done.records_fetched, done.items_total) == ("succeeded", "done", 5, 5)
    assert done.started_at <= done.progress_at <= done.finished_at
