"""Storing monitoring events as MonitoredTransactions, set-wise: one statement per batch on PostgreSQL.

A repeat (same `source`, `source_id`) is ignored, so redelivery stores nothing twice.
Returns the ids, customers and times of every event's row, new or already stored.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.db import connection

from compliance.models import MonitoredTransaction

COLUMNS = ["source", "source_id", "customer_id", "account_id", "occurred_at", "direction", "amount", "currency",
           "channel", "counterparty_name", "counterparty_account", "counterparty_country"]
TYPES = ["text", "text", "bigint", "text", "timestamptz", "text", "bigint", "text", "text", "text", "text", "text"]

# The batch travels as one JSON array (json.dumps is C; no per-value parameter adaptation).
_INSERT_SQL = """
    WITH input AS (SELECT * FROM json_to_recordset(%s::json) AS t({typed})),
    inserted AS (
        INSERT INTO compliance_monitoredtransaction ({columns}, created_at)
        SELECT {columns}, now() FROM input
        ON CONFLICT (source, source_id) DO NOTHING
        RETURNING id, source, source_id, customer_id, occurred_at
    )
    SELECT id, source, source_id, customer_id, occurred_at FROM inserted
    UNION ALL
    SELECT m.id, m.source, m.source_id, m.customer_id, m.occurred_at
    FROM compliance_monitoredtransaction m JOIN input i ON m.source = i.source AND m.source_id = i.source_id
"""  # noqa: S608 - constant column names only; the data is one parameter
_INSERT_SQL = _INSERT_SQL.format(typed=", ".join(f"{c} {t}" for c, t in zip(COLUMNS, TYPES, strict=True)),
                                 columns=", ".join(COLUMNS))

Stored = tuple[int, int, datetime.datetime]  # id, customer_id, occurred_at


def transactions_store(rows: list[dict[str, Any]]) -> list[Stored]:
    """Insert the rows (MonitoredTransaction fields) that are new; (id, customer, occurred_at) of all."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        return _store_orm(rows)
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_SQL, [json.dumps([{c: r[c] for c in COLUMNS} for r in rows], default=_iso)])
        found = {(source, source_id): (pk, cid, at) for pk, source, source_id, cid, at in cursor.fetchall()}
    missing = {(r["source"], r["source_id"]) for r in rows} - set(found)
    if missing:
        # Inserted by a concurrent transaction that committed after this statement's snapshot.
        found.update(_lookup(missing))
    return list(found.values())


def _iso(value: Any) -> str:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _lookup(keys: set[tuple[str, str]]) -> dict[tuple[str, str], Stored]:
    found: dict[tuple[str, str], Stored] = {}
    by_source: dict[str, list[str]] = {}
    for source, source_id in keys:
        by_source.setdefault(source, []).append(source_id)
    for source, source_ids in by_source.items():
        for i in range(0, len(source_ids), 900):
            for pk, sid, cid, at in MonitoredTransaction.objects.filter(
                    source=source, source_id__in=source_ids[i:i + 900]).values_list(
                    "id", "source_id", "customer_id", "occurred_at"):
                found[(source, sid)] = (pk, cid, at)
    return found


def _store_orm(rows: list[dict[str, Any]]) -> list[Stored]:
    MonitoredTransaction.objects.bulk_create([MonitoredTransaction(**r) for r in rows], ignore_conflicts=True,
                                             batch_size=1000)
    return list(_lookup({(r["source"], r["source_id"]) for r in rows}).values())
