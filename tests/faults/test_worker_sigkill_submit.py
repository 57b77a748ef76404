"""A worker SIGKILLed in the middle of `payments.submit_payment` (a task with an effect
outside our database: it creates the PaymentIntent at Stripe): the task runs again and
the payment ends with one PaymentIntent, linked once.

(The same fault for webhook application is tests/payments/test_worker_sigkill.py.)

Held in the middle without patching anything: the test locks the payment row, so the
worker has called the gateway and waits to write the link. Its pool process is then
SIGKILLed; the task is `acks_late` with `reject_on_worker_lost`, so the message goes
back and a fresh pool process calls the gateway again with the same idempotency key.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection

from fintech.models import AuditEvent
from payments.models import Payment
from payments.services.payments import payment_create
from tests.factories import CustomerFactory
from tests.faults.processes import app_env, celery_worker, subprocess_database_url, wait_for


def _pool_children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def _waiting_on_a_lock() -> list[int]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cur.fetchall()]


@pytest.mark.faults
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_submit_then_restarted_links_one_payment_intent(fake_stripe, private_redis, tmp_path):
    # given: a pending payment not yet at the gateway, and a worker with one pool process
    payment = payment_create(customer=CustomerFactory(), amount=3100, currency="EUR")
    env = app_env(
        database_url=subprocess_database_url(),
        redis_url=private_redis.url,
        STRIPE_API_BASE=fake_stripe.url,
        STRIPE_API_KEY="sk_test_fake",  # pragma: allowlist secret
    )
    worker = celery_worker(env, tmp_path)
    client = Celery("faults-client", broker=private_redis.url, backend=private_redis.url, set_as_current=False)
    locker = connection.get_new_connection(connection.get_connection_params())
    try:
        worker.start()
        pool_pid = wait_for(
            lambda: worker.check_running() and _pool_children(worker.process.pid),
            timeout=60,
            what=f"the worker's pool process ({worker.log})",
        )[0]
        # and the payment row locked by another connection, so the link cannot be written yet
        with locker.cursor() as cur:
            cur.execute("SELECT id FROM payments_payment WHERE id = %s FOR UPDATE", [payment.pk])

        # when: the task calls the gateway, blocks on the link, and its pool process is SIGKILLed
        client.send_task("payments.submit_payment", args=[payment.pk])
        wait_for(_waiting_on_a_lock, timeout=60, what=f"the worker to block after the gateway call ({worker.log})")
        assert fake_stripe.count("POST", "/v1/payment_intents") == 1
        os.kill(pool_pid, signal.SIGKILL)
        wait_for(lambda: "WorkerLostError" in worker.log_text(), timeout=30, what="the worker to notice the loss")
        wait_for(
            lambda: [p for p in _pool_children(worker.process.pid) if p != pool_pid],
            timeout=60,
            what="a fresh pool process",
        )
        locker.rollback()  # release the payment row

        # then: the redelivered task runs again and links the payment
        wait_for(
            lambda: Payment.objects.filter(pk=payment.pk, gateway_reference__isnull=False).exists(),
            timeout=60,
            what=f"the payment to be linked ({worker.log})",
        )
    finally:
        locker.close()
        client.close()
        worker.stop()
    # the gateway was asked twice with one idempotency key, and holds one PaymentIntent
    assert fake_stripe.count("POST", "/v1/payment_intents") == 2
    assert {key for method, path, key in fake_stripe.requests if (method, path) == ("POST", "/v1/payment_intents")} == {
        f"payment-{payment.pk}-create"
    }
    intents = [o for o in fake_stripe.objects.values() if o.get("object") == "payment_intent"]
    assert len(intents) == 1
    payment.refresh_from_db()
    assert payment.gateway_reference == intents[0]["id"]
    assert AuditEvent.objects.filter(action="payments.payment.submitted", target_id=str(payment.pk)).count() == 1
