"""Crashes between commit and publish lose nothing and do nothing twice (the outbox).

Real processes on loopback: the outbox relay (`run_outbox_relay`), a prefork Celery
worker and the AML stream consumer (`run_aml_consumer`), on a private Redis. The relay
is caught *between sending and marking sent* without patching anything: the test holds
`LOCK TABLE fintech_outboxmessage IN SHARE MODE`, which lets the relay lock its batch
(`FOR UPDATE`, a ROW SHARE lock) and send it, but not mark it sent (UPDATE needs ROW
EXCLUSIVE). The relay is SIGKILLed there: its messages are in Redis, its rows unsent, so
the next relay sends every one of them again. Afterwards every committed payment and
imported row is a MonitoredTransaction, decided once; every webhook was applied once; no
other money moved.
"""

from __future__ import annotations

import io
import json
import os
import signal

import psycopg
import pytest
import redis as redis_lib

from compliance.monitoring.models import Alert, MonitoredTransaction
from compliance.monitoring.services.imports import transactions_import
from fintech.models import AuditEvent, OutboxMessage
from ledger.models import JournalEntry
from payments.models import Payment, WebhookDelivery
from payments.services.webhooks import webhook_delivery_store
from tests.faults.processes import aml_consumer, app_env, celery_worker, outbox_relay, subprocess_database_url, wait_for

PAYMENTS = 6
LARGE = 2_000_000  # above the large_transaction threshold (1,000,000 minor units of GBP): one alert each
IMPORT_HEADER = (
    "transaction_id,occurred_at,customer_id,account_id,direction,amount,currency,channel,"
    "counterparty_name,counterparty_account,counterparty_country\n"
)
IMPORTED = [f"imp-{i},2024-0{1 + i}-01T10:00:00+00:00,C-IMP-{i},A-1,in,25000.00,GBP,wire,ACME,,GB\n" for i in range(3)]


def _waiting_relay_updates(url: str) -> list[str]:
    with psycopg.connect(url, connect_timeout=5, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT query FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        ).fetchall()
    return [q for (q,) in rows if "fintech_outboxmessage" in q and q.lstrip().upper().startswith("UPDATE")]


def _stream_drained(redis_url: str) -> bool:
    client = redis_lib.Redis.from_url(redis_url)
    try:
        groups = client.xinfo_groups("transactions")
    except redis_lib.ResponseError:
        return False
    return any(g["name"] == b"aml" and g["pending"] == 0 and g.get("lag", 0) in (0, None) for g in groups)


@pytest.mark.faults
@pytest.mark.django_db(transaction=True)
def test_relay_killed_between_send_and_mark_sends_again_and_every_effect_happens_once(
    fake_stripe, submitted_payment, private_redis, tmp_path
):
    url = subprocess_database_url()
    env = app_env(
        database_url=url,
        redis_url=private_redis.url,
        STRIPE_API_BASE=fake_stripe.url,
        STRIPE_API_KEY="sk_test_fake",  # pragma: allowlist secret
    )
    # given: committed webhook deliveries (each with its apply task in the outbox) and an imported file
    payments = [submitted_payment(LARGE + i, "GBP") for i in range(PAYMENTS)]
    for payment in payments:
        intent = fake_stripe.payment_intent_set_status(payment.gateway_reference, "succeeded")
        event = fake_stripe.event("payment_intent.succeeded", intent)
        webhook_delivery_store(
            provider="stripe", event_key=event["id"], event_type=event["type"], raw_body=json.dumps(event)
        )
    transactions_import(stream=io.StringIO(IMPORT_HEADER + "".join(IMPORTED)))
    unsent = OutboxMessage.objects.filter(sent_at__isnull=True)
    assert unsent.count() == PAYMENTS + len(IMPORTED)

    relay, worker, consumer = outbox_relay(env, tmp_path), celery_worker(env, tmp_path), aml_consumer(env, tmp_path)
    second_relay = outbox_relay(env, tmp_path, name="relay-2")
    locker = psycopg.connect(url, connect_timeout=5)
    try:
        # when: a relay sends the batch and is caught before marking it sent...
        locker.execute("LOCK TABLE fintech_outboxmessage IN SHARE MODE")
        relay.start()
        wait_for(
            lambda: relay.check_running() and _waiting_relay_updates(url),
            timeout=30,
            what=f"the relay to wait on marking its batch sent ({relay.log})",
        )
        # ...by then the tasks and events are in Redis
        queued = redis_lib.Redis.from_url(private_redis.url)
        assert queued.llen("celery") == PAYMENTS and queued.xlen("transactions") == len(IMPORTED)
        # and it is SIGKILLed there: its transaction rolls back, every row stays unsent
        os.kill(relay.process.pid, signal.SIGKILL)
        relay.process.wait(timeout=10)
        locker.rollback()
        assert unsent.count() == PAYMENTS + len(IMPORTED)

        # then: a new relay sends them all again; worker and consumer take both copies
        worker.start()
        consumer.start()
        second_relay.start()
        wait_for(
            lambda: second_relay.check_running() and not unsent.exists(),
            timeout=30,
            what=f"the second relay to send the outbox ({second_relay.log})",
        )
        wait_for(
            lambda: (
                worker.check_running()
                and not WebhookDelivery.objects.exclude(status=WebhookDelivery.Status.APPLIED).exists()
            ),
            timeout=60,
            what=f"every delivery applied ({worker.log})",
        )
        # the applies recorded the payments' transaction events, relayed in turn
        wait_for(
            lambda: (
                not unsent.exists()
                and MonitoredTransaction.objects.count() == PAYMENTS + len(IMPORTED)
                and _stream_drained(private_redis.url)
            ),
            timeout=60,
            what=f"every movement monitored ({consumer.log}, {second_relay.log})",
        )
    finally:
        locker.close()
        for process in (second_relay, consumer, worker, relay):
            process.stop()

    # every task ran its effect once: one apply per delivery, one entry per payment
    assert set(WebhookDelivery.objects.values_list("attempts", flat=True)) == {1}
    assert AuditEvent.objects.filter(action="payments.webhook_delivery.applied").count() == PAYMENTS
    for payment in payments:
        payment.refresh_from_db()
        assert payment.status == Payment.Status.SUCCEEDED
    assert JournalEntry.objects.count() == PAYMENTS  # nothing else moved
    # every movement is monitored once and decided once (each is large: exactly one alert each)
    assert sorted(MonitoredTransaction.objects.values_list("source", "source_id")) == sorted(
        [("payments", f"payment:{p.pk}") for p in payments] + [("import", f"imp-{i}") for i in range(3)]
    )
    assert Alert.objects.filter(rule_code="large_transaction").count() == PAYMENTS + len(IMPORTED)


@pytest.mark.faults
def test_postgres_restarted_while_the_relay_holds_a_sent_batch_the_batch_goes_again_and_applies_once(
    fake_stripe, private_postgres, private_redis, tmp_path
):
    from tests.faults.test_postgres_restart_mid_job import DBNAME, _query, _seed

    # given: a migrated private cluster, a submitted payment and its stored webhook delivery
    private_postgres.createdb(DBNAME)
    url = private_postgres.url(DBNAME)
    env = app_env(
        database_url=url,
        redis_url=private_redis.url,
        STRIPE_API_BASE=fake_stripe.url,
        STRIPE_API_KEY="sk_test_fake",  # pragma: allowlist secret
        DB_CONN_MAX_AGE="60",
    )
    seeded = _seed(env, "payment", "--migrate", "--amount", str(LARGE), "--currency", "GBP")
    intent = fake_stripe.payment_intent_set_status(seeded["intent"], "succeeded")
    body_file = tmp_path / "event.json"
    body_file.write_text(json.dumps(fake_stripe.event("payment_intent.succeeded", intent)))
    delivery = _seed(env, "delivery", "--body-file", str(body_file))["delivery"]
    relay, worker, consumer = outbox_relay(env, tmp_path), celery_worker(env, tmp_path), aml_consumer(env, tmp_path)
    locker = psycopg.connect(url, connect_timeout=5)
    try:
        # when: the relay has sent the apply task and waits to mark it sent...
        locker.execute("LOCK TABLE fintech_outboxmessage IN SHARE MODE")
        relay.start()
        wait_for(
            lambda: relay.check_running() and _waiting_relay_updates(url),
            timeout=30,
            what=f"the relay to wait on marking its batch sent ({relay.log})",
        )
        # ...and PostgreSQL restarts under it (its transaction, and the lock, are gone)
        private_postgres.restart()
        worker.start()
        consumer.start()
        # then: the relay reconnects by itself and sends the batch again; the worker applies the
        # delivery once (two copies of its task), and the payment's transaction event is monitored
        wait_for(
            lambda: (
                relay.check_running()
                and worker.check_running()
                and _query(url, "SELECT count(*) FROM fintech_outboxmessage WHERE sent_at IS NULL") == [(0,)]
                and _query(url, "SELECT count(*) FROM compliance_monitoredtransaction") == [(1,)]
                and _stream_drained(private_redis.url)
            ),
            timeout=60,
            what=f"the batch sent again and monitored ({relay.log}, {worker.log})",
        )
    finally:
        locker.close()
        for process in (consumer, worker, relay):
            process.stop()
    assert "batch not sent" in relay.log_text()
    payment = seeded["payment"]
    assert _query(url, "SELECT status FROM payments_webhookdelivery WHERE id = %s", (delivery,)) == [("applied",)]
    assert _query(url, "SELECT attempts FROM payments_webhookdelivery WHERE id = %s", (delivery,)) == [(1,)]
    assert _query(url, "SELECT status FROM payments_payment WHERE id = %s", (payment,)) == [("succeeded",)]
    assert _query(url, "SELECT idempotency_key FROM payments_journalentry") == [(f"payment-{payment}-succeeded",)]
    assert _query(url, "SELECT source, source_id FROM compliance_monitoredtransaction") == [
        ("payments", f"payment:{payment}")
    ]
    assert _query(url, "SELECT count(*) FROM compliance_alert WHERE rule_code = 'large_transaction'") == [(1,)]
