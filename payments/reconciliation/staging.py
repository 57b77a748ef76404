"""Writing a run's gateway records to `ReconciliationRecord` with COPY."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from payments.reconciliation.sources import SettlementRecord

RECORD_COLUMNS = (
    "run_id",
    "attempt",
    "record_id",
    "reference",
    "type",
    "amount",
    "fee",
    "net",
    "currency",
    "exchange_rate",
    "settled_at",
    "payout_reference",
    "members_net",
    "line",
)


def records_copy(*, run_id: int, attempt: int, records: Iterable[SettlementRecord]) -> int:
    """COPY `records` in the caller's transaction; returns how many."""
    count = 0
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY payments_reconciliationrecord ({', '.join(RECORD_COLUMNS)}) FROM STDIN") as copy:
            for r in records:
                copy.write_row(
                    (
                        run_id,
                        attempt,
                        r.record_id[:100],
                        r.reference[:100],
                        r.type[:20],
                        r.amount,
                        r.fee,
                        r.net,
                        r.currency,
                        r.exchange_rate,
                        r.settled_at,
                        r.payout_reference[:100],
                        r.members_net,
                        r.line,
                    )
                )
                count += 1
    return count
