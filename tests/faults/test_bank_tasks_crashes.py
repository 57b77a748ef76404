"""Bank transactions and a settled transfer reach monitoring exactly once through a relay
SIGKILLed between send and mark, and a worker SIGKILLed in the middle of the tasks it sent.

Real processes on loopback: the outbox relay, a prefork Celery worker (two pool processes)
and the AML consumer on a private Redis; the fake Plaid (sandbox/plaid_server.py) through the
real SDK. The beat's effects are committed in the outbox: a transactions sync of a linked
item (three new transactions at Plaid) and a transfer events sync (the transfer posted, then
settled). Held without patching anything:

- the relay between sending and marking sent, by `LOCK TABLE ... IN SHARE MODE` (as in
  test_outbox_crashes.py), then SIGKILLed: a second relay sends both tasks again;
- each task after its Plaid call and before its commit, by the test holding the item's and the
  transfer cursor's rows `FOR UPDATE`; both pool processes are then SIGKILLed. The tasks are
  `acks_late` with `reject_on_worker_lost`: they go back to the queue.

So each task is sent twice (the second relay sends it again) and its first copy is
redelivered after the kill: it runs three times, and calls Plaid each time. The cursors make
its effect happen once: three BankTransactions, one settlement entry, and four
MonitoredTransactions.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import psycopg
import pytest
from django.db import transaction

from banking.models import BankTransaction, PlaidItem, Transfer, TransferEventCursor
from banking.services.transfers import transfer_initiate
from compliance.monitoring.models import MonitoredTransaction
from fintech.models import OutboxMessage
from fintech.outbox import outbox_task_enqueue
from ledger.models import JournalEntry
from tests.faults.processes import aml_consumer, app_env, celery_worker, outbox_relay, subprocess_database_url, wait_for
from tests.faults.test_outbox_crashes import _stream_drained, _waiting_relay_updates

TASKS = ("banking.sync_item_transactions", "banking.sync_transfer_events")


def _pool_children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def _succeeded(worker, task: str) -> int:
    """How many runs of `task` the worker logged as succeeded (a killed run logs none)."""
    return sum(1 for line in worker.log_text().splitlines() if f"Task {task}[" in line and "] succeeded in" in line)


def _waiting_on_row_locks(url: str, tables: tuple[str, ...]) -> int:
    with psycopg.connect(url, connect_timeout=5, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT query FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        ).fetchall()
    return sum(1 for (query,) in rows if any(table in query for table in tables))


@pytest.mark.faults
@pytest.mark.django_db(transaction=True)
def test_bank_sync_and_transfer_settlement_survive_relay_and_worker_kills_and_are_monitored_once(
    fake_plaid, linked_item, private_redis, tmp_path
):
    # given: a linked item with three new transactions at Plaid, and a transfer Plaid settled
    item = linked_item()
    checking = item.accounts.get(subtype="checking")
    added = [
        fake_plaid.transaction(checking.account_id, transaction_id=f"bank-tx-{i}", amount=40 + i) for i in range(3)
    ]
    fake_plaid.transactions_push(item.item_id, added=added)
    transfer = transfer_initiate(
        customer=item.customer,
        account=checking,
        direction="debit",
        amount=7_500,
        currency="USD",
        idempotency_key="faults-1",
        description="top-up",
    )
    fake_plaid.transfer_event_add(transfer.plaid_transfer_id, "posted")
    fake_plaid.transfer_event_add(transfer.plaid_transfer_id, "settled")
    TransferEventCursor.objects.get_or_create(pk=1)
    # and the beat's two syncs committed in the outbox (nothing else is waiting)
    OutboxMessage.objects.filter(sent_at__isnull=True).update(sent_at=transfer.created_at)
    with transaction.atomic():
        outbox_task_enqueue("banking.sync_item_transactions", item.pk)
        outbox_task_enqueue("banking.sync_transfer_events")
    unsent = OutboxMessage.objects.filter(sent_at__isnull=True)

    url = subprocess_database_url()
    env = app_env(database_url=url, redis_url=private_redis.url)
    relay, second_relay = outbox_relay(env, tmp_path), outbox_relay(env, tmp_path, name="relay-2")
    worker, consumer = celery_worker(env, tmp_path, concurrency=2), aml_consumer(env, tmp_path)
    outbox_locker = psycopg.connect(url, connect_timeout=5)
    row_locker = psycopg.connect(url, connect_timeout=5)
    item_table, cursor_table = PlaidItem._meta.db_table, TransferEventCursor._meta.db_table
    try:
        # The processes boot together (booting is most of this test's time); what each may do
        # is held by locks: the rows each task commits to, and the outbox's marking as sent.
        row_locker.execute(f"SELECT id FROM {item_table} WHERE id = %s FOR UPDATE", (item.pk,))  # noqa: S608
        row_locker.execute(f"SELECT id FROM {cursor_table} WHERE id = 1 FOR UPDATE")  # noqa: S608
        outbox_locker.execute("LOCK TABLE fintech_outboxmessage IN SHARE MODE")
        for process in (worker, consumer, relay):
            process.start()

        # when: the relay sends both tasks and is SIGKILLed before marking them sent
        wait_for(
            lambda: relay.check_running() and _waiting_relay_updates(url),
            timeout=60,
            what=f"the relay to wait on marking its batch sent ({relay.log})",
        )
        os.kill(relay.process.pid, signal.SIGKILL)
        relay.process.wait(timeout=10)
        outbox_locker.rollback()
        assert unsent.count() == len(TASKS)
        # and a second relay sends both again
        second_relay.start()

        # and: the worker runs both copies of the first send; each has called Plaid and waits to
        # commit...
        wait_for(
            lambda: worker.check_running() and _waiting_on_row_locks(url, (item_table, cursor_table)) == len(TASKS),
            timeout=60,
            what=f"both tasks to wait on their commit ({worker.log})",
        )
        assert fake_plaid.count("/transactions/sync") >= 1 and fake_plaid.count("/transfer/event/sync") >= 1
        pool = _pool_children(worker.process.pid)
        assert len(pool) == 2
        # ...when both pool processes are SIGKILLed
        for pid in pool:
            os.kill(pid, signal.SIGKILL)
        wait_for(
            lambda: worker.log_text().count("WorkerLostError") >= len(TASKS),
            timeout=30,
            what=f"the worker to notice both losses ({worker.log})",
        )
        wait_for(
            lambda: len(set(_pool_children(worker.process.pid)) - set(pool)) == 2,
            timeout=60,
            what="fresh pool processes",
        )

        # then: once the rows are released, every copy runs, and everything settles once
        row_locker.rollback()
        wait_for(
            lambda: (
                second_relay.check_running()
                and worker.check_running()
                and consumer.check_running()
                and not unsent.exists()
                and MonitoredTransaction.objects.count() == len(added) + 1
                and _stream_drained(private_redis.url)
                and all(_succeeded(worker, task) == 2 for task in TASKS)
            ),
            timeout=60,
            what=f"every movement monitored ({worker.log}, {consumer.log})",
        )
    finally:
        outbox_locker.close()
        row_locker.close()
        for process in (second_relay, consumer, worker, relay):
            process.stop()

    # each task ran three times: before the kill, again after it (from the same, unmoved cursor),
    # and as the second relay's copy...
    assert fake_plaid.count("/transactions/sync") >= 3 and fake_plaid.count("/transfer/event/sync") >= 3
    # ...and its effect happened once
    assert sorted(BankTransaction.objects.values_list("transaction_id", flat=True)) == [
        t["transaction_id"] for t in added
    ]
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.SETTLED
    assert JournalEntry.objects.filter(idempotency_key=f"banking-transfer-{transfer.pk}-settled").count() == 1
    item.refresh_from_db()
    assert item.transactions_cursor
    assert sorted(MonitoredTransaction.objects.values_list("source", "source_id")) == sorted(
        [("banking", t["transaction_id"]) for t in added] + [("banking", f"transfer:{transfer.pk}")]
    )
    # nothing else was sent: the two tasks, and one transaction event per movement
    assert sorted(
        OutboxMessage.objects.filter(kind=OutboxMessage.Kind.TASK, created_at__gte=transfer.created_at).values_list(
            "destination", flat=True
        )
    ) == sorted(TASKS)
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.STREAM).count() == len(added) + 1
