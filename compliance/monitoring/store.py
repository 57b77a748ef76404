"""Storing monitoring events as MonitoredTransactions, set-wise: one statement per batch on PostgreSQL.

A repeat (same `source`, `source_id`) is ignored, so redelivery stores nothing twice.
Returns the ids, customers and times of every event's row, new or already stored.
"""

from __future__ import annotations

import datetime
from typing import Any

import orjson
from django.db import connection

from compliance.monitoring.models import MonitoredTransaction

COLUMNS = [
    "source",
    "source_id",
    "customer_id",
    "account_id",
    "occurred_at",
    "direction",
    "amount",
    "currency",
    "channel",
    "counterparty_name",
    "counterparty_account",
    "counterparty_account_index",
    "counterparty_country",
]
TYPES = [
    "text",
    "text",
    "bigint",
    "text",
    "timestamptz",
    "text",
    "bigint",
    "text",
    "text",
    "text",
    "text",
    "text",
    "text",
]
_ACCOUNT = MonitoredTransaction._meta.get_field("counterparty_account")
_ACCOUNT_INDEX = MonitoredTransaction._meta.get_field("counterparty_account_index")


def counterparty_account_sealed(account: str) -> tuple[str, str]:
    """(ciphertext, blind index) of a counterparty account, as the row stores them; both
    empty for no account. The set-wise insert below bypasses the model's fields."""
    if not account:
        return "", ""
    return _ACCOUNT.get_prep_value(account), _ACCOUNT_INDEX.lookup_value(account)


def _stored_values(row: dict[str, Any]) -> dict[str, Any]:
    sealed, index = counterparty_account_sealed(row["counterparty_account"])
    return {
        **{c: row[c] for c in COLUMNS if c != "counterparty_account_index"},
        "counterparty_account": sealed,
        "counterparty_account_index": index,
    }


# The batch travels as one JSON array (orjson, in C, writes datetimes as RFC 3339; no per-value
# parameter adaptation).
# Only the new rows come back; a repeat is looked up afterwards (rare: redeliveries).
_INSERT_SQL = """
    INSERT INTO compliance_monitoredtransaction ({columns}, created_at)
    SELECT {columns}, now() FROM json_to_recordset(%s::json) AS t({typed})
    ON CONFLICT (source, source_id) DO NOTHING
    RETURNING id, source, source_id
"""  # noqa: S608 - constant column names only; the data is one parameter
_INSERT_SQL = _INSERT_SQL.format(
    typed=", ".join(f"{c} {t}" for c, t in zip(COLUMNS, TYPES, strict=True)), columns=", ".join(COLUMNS)
)

Stored = tuple[int, int, datetime.datetime]  # id, customer_id, occurred_at


def transactions_store(rows: list[dict[str, Any]]) -> list[Stored]:
    """Insert the rows (MonitoredTransaction fields) that are new; (id, customer, occurred_at) of all,
    as stored (a repeat keeps the first delivery's row)."""
    if not rows:
        return []
    by_key = {(r["source"], r["source_id"]): r for r in rows}
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_SQL, [orjson.dumps([_stored_values(r) for r in by_key.values()]).decode()])
        inserted = cursor.fetchall()
    found = {
        (source, source_id): (
            pk,
            by_key[(source, source_id)]["customer_id"],
            by_key[(source, source_id)]["occurred_at"],
        )
        for pk, source, source_id in inserted
    }
    if len(found) < len(by_key):
        # Stored before (a redelivery), or by a concurrent transaction that committed meanwhile.
        found.update(_lookup(set(by_key) - set(found)))
    return list(found.values())


def _lookup(keys: set[tuple[str, str]]) -> dict[tuple[str, str], Stored]:
    found: dict[tuple[str, str], Stored] = {}
    by_source: dict[str, list[str]] = {}
    for source, source_id in keys:
        by_source.setdefault(source, []).append(source_id)
    for source, source_ids in by_source.items():
        for i in range(0, len(source_ids), 900):
            for pk, sid, cid, at in MonitoredTransaction.objects.filter(
                source=source, source_id__in=source_ids[i : i + 900]
            ).values_list("id", "source_id", "customer_id", "occurred_at"):
                found[(source, sid)] = (pk, cid, at)
    return found
