"""PostgreSQL restarted while a Celery job is half-way through posting a journal entry:
the job retries, and the ledger ends with the entry once, balanced, never half-written.

Everything runs against a private cluster (initdb in a temporary directory, its own
port) and a private Redis, so the shared PostgreSQL on 5432 is never touched. The job
is the real `payments.apply_webhook_delivery` on a real prefork worker, applying a
Stripe `payment_intent.succeeded`. It is held with the entry half-way to durable
without patching anything: the test locks one of the entry's ledger accounts
(`FOR UPDATE`), and the postings' foreign keys are checked at commit (Django makes them
DEFERRABLE INITIALLY DEFERRED), so the worker's transaction writes the payment
transition, the entry, its postings and audit events, then waits in COMMIT.
`pg_ctl restart -m fast` then terminates every session; the task's transient-error
retry applies the event after the restart.
"""

from __future__ import annotations

import json
import subprocess
import sys

import psycopg
import pytest

from tests.faults.processes import ROOT, app_env, celery_worker, outbox_relay, wait_for

DBNAME = "faults"


def _seed(env: dict[str, str], *args: str) -> dict:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "tests.faults.private_db_seed", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _query(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    with psycopg.connect(url, connect_timeout=5, autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


def _statements_waiting_on_a_lock(url: str) -> list[str]:
    rows = _query(
        url,
        "SELECT query FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
    )
    return [row[0] for row in rows]


@pytest.mark.faults
def test_postgres_restarted_mid_journal_entry_the_job_retries_and_posts_the_entry_once(
    fake_stripe, private_postgres, private_redis, tmp_path
):
    # given: a migrated database on the private cluster, and a worker on it
    private_postgres.createdb(DBNAME)
    url = private_postgres.url(DBNAME)
    env = app_env(
        database_url=url,
        redis_url=private_redis.url,
        STRIPE_API_BASE=fake_stripe.url,
        STRIPE_API_KEY="sk_test_fake",  # pragma: allowlist secret
        DB_CONN_MAX_AGE="60",
    )
    worker, relay = celery_worker(env, tmp_path), outbox_relay(env, tmp_path)
    locker = None
    try:
        worker.start()  # it boots while the database is migrated and seeded
        seeded = _seed(env, "payment", "--migrate", "--amount", "4200", "--currency", "EUR")
        intent = fake_stripe.payment_intent_set_status(seeded["intent"], "succeeded")
        body_file = tmp_path / "event.json"
        body_file.write_text(json.dumps(fake_stripe.event("payment_intent.succeeded", intent)))
        # and one ledger account of the entry locked (the gateway's clearing account: the
        # customer's own balance account is locked by the service itself before it posts),
        # so the entry's postings cannot be committed yet
        locker = psycopg.connect(url, connect_timeout=5)
        locker.execute("SELECT id FROM payments_ledgeraccount WHERE id = %s FOR UPDATE", (seeded["accounts"][0],))

        # when: the delivery is stored (its apply task in the outbox), the relay sends the task,
        # the worker gets half-way into the entry...
        delivery = _seed(env, "delivery", "--body-file", str(body_file))["delivery"]
        relay.start()
        waiting = wait_for(
            lambda: worker.check_running() and _statements_waiting_on_a_lock(url),
            timeout=60,
            what=f"the worker to block inside the journal entry ({worker.log})",
        )
        # (the entry and its postings are written in its open transaction; the commit waits)
        assert waiting == ["COMMIT"], waiting
        assert _query(url, "SELECT count(*) FROM payments_journalentry") == [(0,)]  # nothing visible yet
        # ...and PostgreSQL restarts under it (every session is terminated, the lock too)
        private_postgres.restart()

        # then: the task failed with a transient database error, retried, and applied the event
        wait_for(
            lambda: (
                worker.check_running()
                and _query(
                    url, "SELECT 1 FROM payments_webhookdelivery WHERE id = %s AND status = 'applied'", (delivery,)
                )
            ),
            timeout=60,
            what=f"the delivery to be applied after the restart ({worker.log})",
        )
    finally:
        if locker is not None:
            locker.close()
        relay.stop()
        worker.stop()
    log = worker.log_text()
    assert "Retry in" in log and ("OperationalError" in log or "InterfaceError" in log), log[-4000:]
    payment = seeded["payment"]
    assert _query(url, "SELECT status FROM payments_payment WHERE id = %s", (payment,)) == [("succeeded",)]
    assert _query(url, "SELECT attempts FROM payments_webhookdelivery WHERE id = %s", (delivery,)) == [(1,)]
    # the effect happened once: one entry, with both its postings
    assert _query(url, "SELECT idempotency_key FROM payments_journalentry") == [(f"payment-{payment}-succeeded",)]
    assert sorted(_query(url, "SELECT amount, currency FROM payments_posting")) == [(-4200, "EUR"), (4200, "EUR")]
    # and the ledger holds no half-written entry: every entry has postings and balances per currency
    assert (
        _query(
            url,
            "SELECT e.id FROM payments_journalentry e LEFT JOIN payments_posting p ON p.entry_id = e.id"
            " WHERE p.id IS NULL",
        )
        == []
    )
    assert (
        _query(url, "SELECT entry_id FROM payments_posting GROUP BY entry_id, currency HAVING SUM(amount) <> 0") == []
    )
    assert _query(
        url,
        "SELECT count(*) FROM fintech_auditevent WHERE action = 'payments.payment.succeeded' AND target_id = %s",
        (str(payment),),
    ) == [(1,)]
    assert _query(url, "SELECT count(*) FROM fintech_auditevent WHERE action = 'payments.journal_entry.posted'") == [
        (1,)
    ]
