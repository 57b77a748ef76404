"""Storing a verified webhook delivery once, in ONE statement, on the request path.

`INSERT ... ON CONFLICT (provider, event_key) DO NOTHING RETURNING id` outside a
transaction block is a transaction of its own: one round trip, committed (durable:
synchronous_commit) when it returns, instead of BEGIN, INSERT, COMMIT and a caught
IntegrityError on a redelivery. Inside a caller's atomic block it is part of that
transaction.

This is the one statement a webhook request runs, so it is run the lean way: a psycopg
server-binding cursor on Django's own connection (prepared on the server only if the
connection's `prepare_threshold` asks for it; Django's default is never, which keeps a
transaction-pooling PgBouncer working), plain values, and no per-request `SELECT 1`
health check. Through Django's cursor (the health check's round trip, the
cursor wrappers, the client-side quoting of a 2 kB body) the same request took about a
third more of the web process's CPU, which bounds the intake rate. What the health check
protected against (a connection the server closed while it sat idle) is handled here
instead: the statement fails, the connection is found unusable, closed, and the insert
runs once more on a new one. Running it twice is safe: the second run finds the row the
first committed, if it did, and answers "already stored" (the stale-delivery sweep
enqueues such a row, as it does after a crash). Errors come out as Django's database
exceptions, as from any other query.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

import psycopg
from django.db import InterfaceError, OperationalError, connection

from payments.models import WebhookDelivery

Status = WebhookDelivery.Status

# The columns a new delivery is stored with; the others keep their database defaults.
STORED_COLUMNS = ("provider", "event_key", "event_type", "raw_body", "status", "attempts", "error", "received_at")
_RAW_BODY = WebhookDelivery._meta.get_field("raw_body")  # encrypted at rest


@cache
def _insert_sql() -> str:
    meta, quote = WebhookDelivery._meta, connection.ops.quote_name
    table = quote(meta.db_table)
    columns = ", ".join(quote(meta.get_field(name).column) for name in STORED_COLUMNS)
    key = f"{quote('provider')}, {quote('event_key')}"
    values = ", ".join(["%s"] * len(STORED_COLUMNS))
    # Identifiers from the model's metadata, quoted; every value is a bound parameter.
    return (f"INSERT INTO {table} ({columns}) VALUES ({values}) "  # noqa: S608  # nosec B608
            f"ON CONFLICT ({key}) DO NOTHING RETURNING {quote(meta.pk.column)}")


def delivery_insert_once(*, provider: str, event_key: str, event_type: str, raw_body: str,
                         received_at: datetime) -> int | None:
    """Store a new delivery (status received); its id, or None if (provider, event_key)
    is already stored."""
    # Plain values (in STORED_COLUMNS order) go straight to psycopg: the body is sealed
    # here (one AES-GCM call), as the field would seal it on the ORM's way in.
    return _insert((provider, event_key, event_type, _RAW_BODY.get_prep_value(raw_body), Status.RECEIVED, 0, "",
                    received_at))


def _insert(values: tuple) -> int | None:
    sql = _insert_sql()
    for attempt in (1, 2):
        try:
            with connection.wrap_database_errors:  # psycopg errors as django.db's, marked on the connection
                connection.ensure_connection()
                with psycopg.Cursor(connection.connection) as cursor:
                    cursor.execute(sql, values)
                    row = cursor.fetchone()
            return row[0] if row else None
        except (OperationalError, InterfaceError):
            # Retried only where a lost connection is the cause and nothing else is at
            # stake: outside a transaction block (the statement was its own transaction).
            lost = connection.connection is not None and not connection.is_usable()
            if attempt == 2 or connection.in_atomic_block or not lost:
                raise
            connection.close()
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises
