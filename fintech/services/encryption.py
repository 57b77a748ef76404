"""Re-encrypting stored values under the current primary key (key rotation)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import connection, models, transaction

from fintech.crypto import key_id_of, key_ring
from fintech.fields import EncryptedTextField
from fintech.services.audit import audit_event_record


@dataclass
class RotationReport:
    table: str
    column: str
    rewritten: int


def encrypted_columns() -> Iterator[tuple[type[models.Model], EncryptedTextField]]:
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                yield model, field


def _rotate_column(model, field: EncryptedTextField, batch_size: int) -> int:
    """Walk the table by primary key in batches; rewrite values not under the primary key.

    Raw SQL on purpose: the model layer would decrypt and re-encrypt every row (and run
    save() side effects); here only stale ciphertexts are touched, each batch in its own
    short transaction with its rows locked, so live writers are never overwritten.
    """
    ring = key_ring()
    quote = connection.ops.quote_name
    table, column, pk = quote(model._meta.db_table), quote(field.column), quote(model._meta.pk.column)
    aad = field.associated_data()
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    last_pk, rewritten = None, 0
    while True:
        with transaction.atomic():
            with connection.cursor() as cursor:
                where = f"WHERE {pk} > %s " if last_pk is not None else ""
                params = [last_pk] if last_pk is not None else []
                # Identifiers come from model metadata and are quoted; values are parameters.
                cursor.execute(
                    f"SELECT {pk}, {column} FROM {table} {where}ORDER BY {pk} LIMIT %s{lock}",  # noqa: S608  # nosec B608
                    [*params, batch_size],
                )
                rows = cursor.fetchall()
                if not rows:
                    return rewritten
                last_pk = rows[-1][0]
                stale = [
                    (ring.encrypt(ring.decrypt(value, associated_data=aad), associated_data=aad), row_pk)
                    for row_pk, value in rows
                    if value and key_id_of(value) != ring.primary_id
                ]
                if stale:
                    cursor.executemany(f"UPDATE {table} SET {column} = %s WHERE {pk} = %s", stale)  # noqa: S608  # nosec B608
                    rewritten += len(stale)


def encryption_keys_rotate(*, batch_size: int = 1000, actor=None) -> list[RotationReport]:
    """Re-encrypt every encrypted column so that no value depends on a retired key."""
    reports = [
        RotationReport(model._meta.db_table, field.column, _rotate_column(model, field, batch_size))
        for model, field in encrypted_columns()
    ]
    with transaction.atomic():
        audit_event_record(
            action="fintech.encryption.keys_rotated",
            actor=actor,
            actor_label=None if actor else "system",
            target_type="encryption",
            target_id=key_ring().primary_id,
            after={"columns": {f"{r.table}.{r.column}": r.rewritten for r in reports}},
        )
    return reports
