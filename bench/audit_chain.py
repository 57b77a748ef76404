"""Audit-trail append throughput through the audit service, with 1 and with 8 concurrent writers.

For comparison in the same run: the same appends serialised behind one shared row lock
(the design before the shards) and the share of writers found waiting on a lock.

Each append is its own transaction (`audit_event_record` in `transaction.atomic()`), as an
audited write commits it. Beside it, the same rows as plain INSERTs (no chain: no head,
no HMAC) with the same writers, for the floor the database sets. The chain is verified
afterwards, so the figure counts only appends that left a verifiable trail.

Environment: BENCH_AUDIT_SECONDS (per measured run, default 10).
"""

from __future__ import annotations

import os
import statistics
import time

from bench.writers import writers_run

SECONDS = float(os.environ.get("BENCH_AUDIT_SECONDS", "10"))
TARGET_8_WRITERS = 3000


def _append(writer: int, i: int) -> None:
    from django.db import transaction

    from fintech.services.audit import audit_event_record

    with transaction.atomic():
        audit_event_record(action="bench.audit.append", actor_label=f"bench-{writer}", after={"i": i})


def _append_serialised(writer: int, i: int) -> None:
    """For comparison on the same machine at the same time: the same append behind one row
    lock every writer shares until commit, which is how the trail worked before the shards."""
    from django.db import connection, transaction

    from fintech.services.audit import audit_event_record

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM fintech_auditchainhead WHERE id = 0 FOR UPDATE")
        audit_event_record(action="bench.audit.append", actor_label=f"bench-{writer}", after={"i": i})


def _plain_insert(writer: int, i: int) -> None:
    """The same row into a copy of the audit table (its indexes and constraints), with no
    chain: no head to take, no HMAC. What one INSERT per transaction costs."""
    from django.db import connection, transaction
    from django.utils import timezone

    from fintech.models import AuditEvent

    occurred_at, after = (AuditEvent._meta.get_field(name) for name in ("occurred_at", "after"))
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_plain_audit (shard, seq, occurred_at, actor_label, action, target_type, target_id, "
            "target_repr, after, request_id, outcome, prev_hash, key_id, hash) "
            "VALUES (%s, nextval('bench_plain_audit_seq'), %s, %s, 'bench.audit.append', '', '', '', %s, '', "
            "'success', repeat('0', 64), 'bench', md5(random()::text) || md5(random()::text))",
            [
                writer,
                occurred_at.get_db_prep_save(timezone.now(), connection),
                f"bench-{writer}",
                after.get_db_prep_save({"i": i}, connection),
            ],
        )


def _single_writer_latencies(count: int) -> list[float]:
    latencies = []
    for i in range(count):
        t0 = time.perf_counter()
        _append(0, i)
        latencies.append(time.perf_counter() - t0)
    latencies.sort()
    return latencies


def run() -> list[dict]:
    from django.db import connection

    from fintech.services.audit import audit_chain_verify

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_plain_audit")
        cursor.execute("DROP SEQUENCE IF EXISTS bench_plain_audit_seq")
        cursor.execute("CREATE TABLE bench_plain_audit (LIKE fintech_auditevent INCLUDING ALL)")
        cursor.execute("CREATE SEQUENCE bench_plain_audit_seq")
    latencies = _single_writer_latencies(500)
    one = writers_run(writers=1, seconds=SECONDS, work=_append)
    eight = writers_run(writers=8, seconds=SECONDS, work=_append)
    serialised = writers_run(writers=8, seconds=SECONDS / 2, work=_append_serialised)
    plain_one = writers_run(writers=1, seconds=SECONDS / 2, work=_plain_insert)
    plain_eight = writers_run(writers=8, seconds=SECONDS / 2, work=_plain_insert)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_plain_audit")
        cursor.execute("DROP SEQUENCE bench_plain_audit_seq")
        cursor.execute("SELECT count(DISTINCT shard) FROM fintech_auditevent")
        shards_used = cursor.fetchone()[0]
    verify_started = time.perf_counter()
    verified = audit_chain_verify()
    verify_seconds = time.perf_counter() - verify_started
    return [
        {"name": "audit events appended per second (1 writer)", "value": one.rate, "unit": "events/s", "met": None},
        {
            "name": "audit events appended per second (8 writers)",
            "value": eight.rate,
            "unit": "events/s",
            "target": f">= {TARGET_8_WRITERS}",
            "met": eight.rate >= TARGET_8_WRITERS and verified.ok,
        },
        {
            "name": "audit appenders waiting on a lock (8 writers)",
            "value": round(eight.lock_wait_share * 100, 1),
            "unit": "% of samples",
            "met": None,
        },
        {
            "name": "the same appends behind one shared row lock (8 writers)",
            "value": serialised.rate,
            "unit": "events/s",
            "met": None,
        },
        {
            "name": "appenders waiting on a lock behind one shared row lock (8 writers)",
            "value": round(serialised.lock_wait_share * 100, 1),
            "unit": "% of samples",
            "met": None,
        },
        {
            "name": "plain INSERTs of the same rows per second (1 writer)",
            "value": plain_one.rate,
            "unit": "rows/s",
            "met": None,
        },
        {
            "name": "plain INSERTs of the same rows per second (8 writers)",
            "value": plain_eight.rate,
            "unit": "rows/s",
            "met": None,
        },
        {
            "name": "audit append p50 (1 writer)",
            "value": round(statistics.median(latencies) * 1000, 2),
            "unit": "ms",
            "met": None,
        },
        {
            "name": "audit append p99 (1 writer)",
            "value": round(latencies[int(len(latencies) * 0.99)] * 1000, 2),
            "unit": "ms",
            "met": None,
        },
        {"name": "audit shards written", "value": shards_used, "unit": "shards", "met": None},
        {
            "name": f"verify_audit_chain over {verified.checked} rows",
            "value": round(verify_seconds, 2),
            "unit": "s",
            "met": verified.ok,
        },
    ]
