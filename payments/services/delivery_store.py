"""Storing a verified webhook delivery once, with its apply task, in ONE statement.

`INSERT ... ON CONFLICT (provider, event_key) DO NOTHING RETURNING id`, with a second
data-modifying CTE that inserts the delivery's `payments.apply_webhook_delivery` outbox
message for the row it returned (none for a redelivery), outside a transaction block is
a transaction of its own: one round trip, committed (durable: synchronous_commit) when
it returns, instead of BEGIN, two INSERTs, COMMIT and a caught IntegrityError on a
redelivery. Inside a caller's atomic block it is part of that transaction. The delivery
row is the inbox (applied once, whatever the number of deliveries); the outbox message
is what makes sure its task is sent, by the relay, however the web process dies.

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
first committed, if it did, and answers "already stored" (its outbox message committed
with it). Errors come out as Django's database
exceptions, as from any other query.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache

import psycopg
from django.db import InterfaceError, OperationalError, connection

from fintech.models import OutboxMessage
from fintech.outbox.record import task_context_headers
from payments.models import WebhookDelivery

Status = WebhookDelivery.Status

APPLY_TASK = "payments.apply_webhook_delivery"
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
    pk = quote(meta.pk.column)
    outbox = OutboxMessage._meta
    outbox_columns = ", ".join(
        quote(outbox.get_field(name).column) for name in ("kind", "destination", "payload", "created_at")
    )
    # Identifiers from the models' metadata, quoted; every value is a bound parameter.
    return (
        f"WITH delivery AS (INSERT INTO {table} ({columns}) VALUES ({values}) "  # noqa: S608  # nosec B608
        f"ON CONFLICT ({key}) DO NOTHING RETURNING {pk}), "
        f"message AS (INSERT INTO {quote(outbox.db_table)} ({outbox_columns}) "
        f"SELECT %s, %s, jsonb_build_object('args', jsonb_build_array({pk}), 'kwargs', '{{}}'::jsonb, "
        f"'headers', %s::jsonb), now() FROM delivery) "
        f"SELECT {pk} FROM delivery"
    )


def delivery_insert_once(
    *, provider: str, event_key: str, event_type: str, raw_body: str, received_at: datetime
) -> int | None:
    """Store a new delivery (status received); its id, or None if (provider, event_key)
    is already stored."""
    # Plain values (in STORED_COLUMNS order) go straight to psycopg: the body is sealed
    # here (one AES-GCM call), as the field would seal it on the ORM's way in.
    return _insert(
        (
            provider,
            event_key,
            event_type,
            _RAW_BODY.get_prep_value(raw_body),
            Status.RECEIVED,
            0,
            "",
            received_at,
            OutboxMessage.Kind.TASK.value,
            APPLY_TASK,
            json.dumps(task_context_headers()),
        )
    )


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
