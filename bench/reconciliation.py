"""Reconciliation: a period of 1,000,000 gateway records against a ledger of the same size.

Setup (not timed), set-wise in PostgreSQL: N succeeded payments of a gateway named
`bench`, each with its journal entry and two postings, and a payout per 1,000 of them
(loaded with `session_replication_role = replica`, i.e. without the ledger's triggers,
which is why the bench needs a superuser connection as in development); then the
gateway's settlement file of the day (N charges with fees, 0.5% each of: no reference,
over-paid, unknown reference, other currency, duplicated; and the payouts), written by
`COPY ... TO STDOUT`.

Timed: `reconcile` of that file in a child process (`python -m bench.reconciliation
child ...`), i.e. parse + validate every row, COPY into staging, the set-wise match,
the items written, in one run. Memory is the child's peak RSS (ru_maxrss), the Python
side; PostgreSQL's backends are separate processes and are not counted (their temp
file bytes during the run are reported instead).

BENCH_RECON_RECORDS (default 1,000,000) sets N.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import subprocess  # nosec B404 - runs our own child process
import sys
import tempfile
import time
from pathlib import Path

GATEWAY = "bench"
DAY = dt.date(2030, 1, 1)
TARGET_SECONDS = 60
TARGET_RSS_MIB = 1024


def _major(column: str) -> str:
    """SQL: a minor-unit integer column as a major-unit decimal string (2 decimals)."""
    return (
        f"(CASE WHEN {column} < 0 THEN '-' ELSE '' END || (abs({column}) / 100)::text || '.' || "
        f"lpad((abs({column}) % 100)::text, 2, '0'))"
    )


LEDGER_SQL = [
    """INSERT INTO payments_payment (amount, currency, amount_refunded, status, gateway, gateway_reference,
                                     gateway_charge_reference, client_secret, failure_reason, created_at, updated_at)
       SELECT 1000 + (i::bigint * 7919) %% 100000, 'EUR', 0, 'succeeded', %(gateway)s, 'pi_bench_' || i,
              'ch_bench_' || i,
              '', '', %(day)s::timestamptz + (i %% 86000) * interval '1 second',
              %(day)s::timestamptz + (i %% 86000) * interval '1 second'
         FROM generate_series(1, %(n)s) i""",
    """INSERT INTO payments_journalentry (description, idempotency_key, posted_at)
       SELECT 'bench payment', 'payment-' || id || '-succeeded', created_at FROM payments_payment
        WHERE gateway = %(gateway)s""",
    """INSERT INTO payments_posting (entry_id, account_id, amount, currency)
       SELECT je.id, a.id, CASE WHEN a.code = 'gateway_clearing' THEN p.amount ELSE -p.amount END, 'EUR'
         FROM payments_payment p
         JOIN payments_journalentry je ON je.idempotency_key = 'payment-' || p.id || '-succeeded'
         JOIN payments_ledgeraccount a ON a.currency = 'EUR' AND a.customer_id IS NULL
                                      AND a.code IN ('gateway_clearing', 'customer_balances')
        WHERE p.gateway = %(gateway)s""",
]

# The gateway's rows: one per payment (with the variants), duplicates, then the payouts.
ROWS_SQL = [
    "DROP TABLE IF EXISTS bench_rows, bench_payouts",
    """CREATE TEMP TABLE bench_rows AS
       SELECT %(gateway)s AS gateway,
              CASE WHEN n %% 200 = 1 THEN '' WHEN n %% 200 = 3 THEN 'ch_ghost_' || n ELSE 'ch_bench_' || n END
                  AS reference,
              'charge' AS type, amount + CASE WHEN n %% 200 = 2 THEN 100 ELSE 0 END AS amount,
              (amount * 29 / 1000 + 30) AS fee,
              CASE WHEN n %% 200 = 4 THEN 'USD' ELSE 'EUR' END AS currency,
              created_at + interval '60 seconds' AS settled_at, 'po_bench_' || (n / 1000) AS payout_reference, n
         FROM (SELECT amount, created_at, substr(gateway_reference, 10)::int AS n FROM payments_payment
                WHERE gateway = %(gateway)s) p""",
    """CREATE TEMP TABLE bench_payouts AS
       SELECT payout_reference AS reference, sum(amount - fee)::bigint AS amount FROM bench_rows GROUP BY 1""",
    "INSERT INTO bench_rows SELECT * FROM bench_rows WHERE n %% 200 = 5",
    """INSERT INTO payments_payout (gateway, gateway_reference, amount, currency, status, failure_reason, created_at,
                                    updated_at)
       SELECT %(gateway)s, reference, amount, 'EUR', 'paid', '', %(day)s::timestamptz + interval '23 hours',
              %(day)s::timestamptz + interval '23 hours' FROM bench_payouts""",
    """INSERT INTO payments_journalentry (description, idempotency_key, posted_at)
       SELECT 'bench payout', 'payout-' || id || '-paid', created_at
         FROM payments_payout WHERE gateway = %(gateway)s""",
    """INSERT INTO payments_posting (entry_id, account_id, amount, currency)
       SELECT je.id, a.id, CASE WHEN a.code = 'payouts' THEN o.amount ELSE -o.amount END, 'EUR'
         FROM payments_payout o
         JOIN payments_journalentry je ON je.idempotency_key = 'payout-' || o.id || '-paid'
         JOIN payments_ledgeraccount a ON a.currency = 'EUR' AND a.code IN ('gateway_clearing', 'payouts')
        WHERE o.gateway = %(gateway)s""",
]

FILE_SQL = f"""COPY (
    SELECT gateway, NULLIF(reference, ''), type, {_major("amount")}, {_major("fee")}, {_major("amount - fee")},
           currency, to_char(settled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), payout_reference
      FROM bench_rows
    UNION ALL
    SELECT 'bench', reference, 'payout', {_major("-amount")}, '0.00', {_major("-amount")}, 'EUR',
           '2030-01-01T23:00:00Z', NULL
      FROM bench_payouts
) TO STDOUT WITH (FORMAT csv)"""  # noqa: S608  # nosec B608 - constant SQL; empty text as NULL: unquoted

CLEAN_SQL = [
    "SET session_replication_role = replica",
    """DELETE FROM payments_posting WHERE entry_id IN (
         SELECT id FROM payments_journalentry WHERE idempotency_key IN (
           SELECT 'payment-' || id || '-succeeded' FROM payments_payment WHERE gateway = %(gateway)s
           UNION ALL SELECT 'payout-' || id || '-paid' FROM payments_payout WHERE gateway = %(gateway)s))""",
    """DELETE FROM payments_journalentry WHERE idempotency_key IN (
         SELECT 'payment-' || id || '-succeeded' FROM payments_payment WHERE gateway = %(gateway)s
         UNION ALL SELECT 'payout-' || id || '-paid' FROM payments_payout WHERE gateway = %(gateway)s)""",
    "DELETE FROM payments_payment WHERE gateway = %(gateway)s",
    "DELETE FROM payments_payout WHERE gateway = %(gateway)s",
    """DELETE FROM payments_reconciliationitem WHERE run_id IN (
         SELECT id FROM payments_reconciliationrun WHERE gateway = %(gateway)s)""",
    """DELETE FROM payments_reconciliationrecord WHERE run_id IN (
         SELECT id FROM payments_reconciliationrun WHERE gateway = %(gateway)s)""",
    "DELETE FROM payments_reconciliationrun WHERE gateway = %(gateway)s",
    "SET session_replication_role = DEFAULT",
]


def _execute(statements: list[str], params: dict) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, params)


def _setup(n: int, path: Path) -> None:
    from django.db import connection, transaction

    from ledger.models import LedgerAccount
    from ledger.services.journal import ledger_account_get

    for code in (LedgerAccount.GATEWAY_CLEARING, LedgerAccount.CUSTOMER_BALANCES, LedgerAccount.PAYOUTS):
        ledger_account_get(code=code, currency="EUR")
    params = {"gateway": GATEWAY, "day": DAY.isoformat(), "n": n}
    with transaction.atomic():
        _execute(["SET LOCAL session_replication_role = replica", *LEDGER_SQL, *ROWS_SQL], params)
        with connection.cursor() as cursor, path.open("wb") as handle:
            handle.write(b"gateway,reference,type,amount,fee,net,currency,settled_at,payout_reference\n")
            with cursor.copy(FILE_SQL) as copy:
                for chunk in copy:
                    handle.write(chunk)
        _execute(["DROP TABLE bench_rows", "DROP TABLE bench_payouts"], params)
    # VACUUM as autovacuum would have on a live ledger; CHECKPOINT so that writing out the setup's
    # gigabyte of dirty pages and WAL is not charged to the timed run.
    _execute(
        [
            "VACUUM (ANALYZE) payments_payment",
            "VACUUM (ANALYZE) payments_journalentry",
            "VACUUM (ANALYZE) payments_posting",
            "VACUUM (ANALYZE) payments_payout",
            "CHECKPOINT",
        ],
        params,
    )


def _temp_bytes() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT temp_bytes FROM pg_stat_database WHERE datname = current_database()")
        return int(cursor.fetchone()[0])


def _peak_rss_kib() -> int:
    """This process's own peak RSS. `ru_maxrss` survives execve, so a child spawned by a big
    parent (vfork + exec) would report the parent's peak; the kernel's VmHWM belongs to
    this process's address space alone."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(path: str) -> None:
    """The timed part, alone in its process so that its peak RSS is its own."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from payments.reconciliation.runs import reconciliation_run_now
    from payments.reconciliation.sources import SettlementFileSource

    started = time.perf_counter()
    run = reconciliation_run_now(gateway=GATEWAY, period_start=DAY, source=SettlementFileSource(path, GATEWAY))
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": seconds,
                "maxrss_kib": _peak_rss_kib(),
                "records": run.records_fetched,
                "items": run.items_total,
                "counts": run.counts,
                "matching_seconds": (run.finished_at - run.progress_at).total_seconds()
                if run.progress_at and run.finished_at
                else None,
            }
        )
    )


def run() -> list[dict]:
    from django.db import connection

    n = int(os.environ.get("BENCH_RECON_RECORDS", "1000000"))
    params = {"gateway": GATEWAY}
    _execute(CLEAN_SQL, params)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "settlement.csv"
        started = time.perf_counter()
        _setup(n, path)
        setup_seconds = time.perf_counter() - started
        temp_before = _temp_bytes()
        connection.close()  # the child works alone
        out = subprocess.run(  # noqa: S603  # nosec B603 - our own module, fixed arguments
            [sys.executable, "-m", "bench.reconciliation", "child", str(path)],
            check=False,
            capture_output=True,
            text=True,
            env=os.environ.copy(),
        )
        if out.returncode:
            _execute(CLEAN_SQL, params)
            raise RuntimeError(f"the reconciling child failed:\n{out.stderr[-3000:]}")
        result = json.loads(out.stdout.strip().splitlines()[-1])
        temp_after = _temp_bytes()
    _execute(CLEAN_SQL, params)
    rss_mib = result["maxrss_kib"] / 1024
    counts = ", ".join(f"{k} {v:,}" for k, v in result["counts"].items() if v)
    return [
        {
            "name": f"setup: ledger of {n:,} payments + file (not timed)",
            "value": round(setup_seconds, 1),
            "unit": "s",
            "met": None,
        },
        {
            "name": f"reconcile {result['records']:,} gateway records (parse, stage, match, write)",
            "value": round(result["seconds"], 1),
            "unit": "s",
            "target": f"<= {TARGET_SECONDS} s",
            "met": result["seconds"] <= TARGET_SECONDS,
        },
        {
            "name": "  of which the set-wise match and items write",
            "value": round(result["matching_seconds"], 1),
            "unit": "s",
            "met": None,
        },
        {
            "name": "peak RSS of the reconciling process",
            "value": round(rss_mib),
            "unit": "MiB",
            "target": f"<= {TARGET_RSS_MIB} MiB",
            "met": rss_mib <= TARGET_RSS_MIB,
        },
        {
            "name": "PostgreSQL temp file bytes during the run",
            "value": round((temp_after - temp_before) / 2**20),
            "unit": "MiB",
            "met": None,
        },
        {"name": f"items ({counts})", "value": result["items"], "unit": "items", "met": None},
    ]


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "child":
    child(sys.argv[2])
