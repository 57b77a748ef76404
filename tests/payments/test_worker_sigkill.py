"""A real Celery worker killed with SIGKILL in the middle of applying a webhook
delivery: after the pool process is restarted the event is applied exactly once.

How the worker is held "in the middle": the test holds the payment's row lock from
its own database connection, so the worker's apply blocks inside its transaction
(the delivery row already locked by it, the payment transition waiting). No code is
patched. The pool process is then killed; the task is `acks_late` with
`reject_on_worker_lost`, so the worker's main process puts the message back and a
fresh pool process takes it. The killed process's transaction is rolled back by
PostgreSQL when its connection turns out dead, which releases the delivery lock.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from fintech.models import AuditEvent
from ledger.models import JournalEntry
from payments.models import Payment, WebhookDelivery
from payments.tasks import apply_webhook_delivery
from tests.faults.processes import subprocess_database_url

ROOT = Path(__file__).resolve().parents[2]


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except FileNotFoundError:
        return []
    return [int(child) for child in text.split()]


def _wait_for(predicate, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def prefork_worker(tmp_path):
    """A worker with one pool process on a queue of its own; stopped by its own pid."""
    queue = f"test-sigkill-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    with log.open("wb") as stream:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                queue,
                "--pool",
                "prefork",
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            stdout=stream,
            stderr=subprocess.STDOUT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "DATABASE_URL": subprocess_database_url()},
        )
    try:
        yield process, queue, log
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _waiting_on_a_lock() -> list[int]:
    # Asked from the test's autocommit connection: inside a transaction the statistics
    # views are a snapshot taken at its first read.
    with connection.cursor() as cur:
        cur.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            " AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cur.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_apply_then_restarted_applies_the_event_exactly_once(
    fake_stripe, submitted_payment, prefork_worker
):
    process, queue, log = prefork_worker
    # given: a stored delivery of the payment's success (stored as the endpoint would;
    # created directly so that its enqueue goes to this test's queue only)
    payment = submitted_payment(2500, "EUR")
    intent = fake_stripe.payment_intent_set_status(payment.gateway_reference, "succeeded")
    event = fake_stripe.event("payment_intent.succeeded", intent)
    delivery = WebhookDelivery.objects.create(
        provider="stripe", event_key=event["id"], event_type=event["type"], raw_body=json.dumps(event)
    )
    # and the payment row locked by another connection, so the apply will block midway
    locker = connection.get_new_connection(connection.get_connection_params())
    try:
        with locker.cursor() as cur:
            cur.execute("SELECT id FROM payments_payment WHERE id = %s FOR UPDATE", [payment.pk])
        pool_pid = _wait_for(lambda: _children(process.pid), timeout=60, what="the worker's pool process")[0]

        # when: the worker starts applying, blocks, and its pool process is SIGKILLed
        apply_webhook_delivery.apply_async(args=[delivery.pk], queue=queue)
        _wait_for(_waiting_on_a_lock, timeout=60, what="the worker to block inside the apply")
        os.kill(pool_pid, signal.SIGKILL)
        _wait_for(lambda: [p for p in _children(process.pid) if p != pool_pid], timeout=60, what="a fresh pool process")
        _wait_for(lambda: b"WorkerLostError" in log.read_bytes(), timeout=30, what="the worker to notice the loss")
        # the killed process changed nothing: its transaction is still open, then rolled back
        delivery.refresh_from_db()
        assert delivery.status == WebhookDelivery.Status.RECEIVED
        assert not JournalEntry.objects.exists()
    finally:
        locker.rollback()  # release the payment row
        locker.close()

    # then: the requeued task, in the fresh pool process, applies the event once
    _wait_for(
        lambda: WebhookDelivery.objects.filter(pk=delivery.pk, status="applied").exists(),
        timeout=60,
        what=f"the delivery to be applied (worker log: {log})",
    )
    # a duplicate task (e.g. a second redelivery) finds the work done
    assert (
        apply_webhook_delivery.apply_async(args=[delivery.pk], queue=queue).get(timeout=60, disable_sync_subtasks=False)
        == "applied"
    )
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert JournalEntry.objects.filter(idempotency_key=f"payment-{payment.pk}-succeeded").count() == 1
    assert JournalEntry.objects.count() == 1
    assert AuditEvent.objects.filter(action="payments.payment.succeeded", target_id=str(payment.pk)).count() == 1
    assert AuditEvent.objects.filter(action="payments.webhook_delivery.applied").count() == 1
