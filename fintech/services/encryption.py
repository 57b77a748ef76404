"""Re-encrypting stored values under the current primary key (key rotation)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import connection, models, transaction

from fintech.crypto import DecryptionError, key_id_of, key_ring
from fintech.fields import BlindIndexField, EncryptedTextField
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


def column_encrypt_in_place(*, model, field_name: str, index_name: str | None = None, batch_size: int = 1000) -> int:
    """Encrypt the clear values a column held before it became an encrypted field (and
    fill its blind index); for data migrations, which pass their historical model.

    Values that already open under the key ring are left alone, so running it twice, or
    on a table that new code already writes to, is harmless. Returns the rows rewritten.
    """
    field: EncryptedTextField = model._meta.get_field(field_name)
    index: BlindIndexField | None = model._meta.get_field(index_name) if index_name else None
    ring, aad, quote = key_ring(), field.associated_data(), connection.ops.quote_name
    table, column, pk = quote(model._meta.db_table), quote(field.column), quote(model._meta.pk.column)
    sets = f"{column} = %s" + (f", {quote(index.column)} = %s" if index else "")
    last_pk, rewritten = None, 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            where = f"WHERE {pk} > %s " if last_pk is not None else ""
            # Identifiers come from model metadata and are quoted; values are parameters.
            cursor.execute(
                f"SELECT {pk}, {column} FROM {table} {where}ORDER BY {pk} LIMIT %s",  # noqa: S608  # nosec B608
                [*([last_pk] if last_pk is not None else []), batch_size],
            )
            rows = cursor.fetchall()
            if not rows:
                return rewritten
            last_pk = rows[-1][0]
            updates = [
                _sealed_row(field, index, ring, aad, row_pk, value)
                for row_pk, value in rows
                if value not in (None, "") and not _opens(ring, value, aad)
            ]
            if updates:
                cursor.executemany(f"UPDATE {table} SET {sets} WHERE {pk} = %s", updates)  # noqa: S608  # nosec B608
                rewritten += len(updates)


def _opens(ring, value: str, aad: bytes) -> bool:
    try:
        ring.decrypt(value, associated_data=aad)
    except DecryptionError:
        return False
    return True


def _sealed_row(field: EncryptedTextField, index: BlindIndexField | None, ring, aad, row_pk, clear: str) -> tuple:
    plaintext = field.to_plaintext(field.to_python_value(clear))  # JSON and dates in their canonical form
    sealed = ring.encrypt(plaintext.encode(), associated_data=aad)
    return (sealed, index.lookup_value(clear), row_pk) if index else (sealed, row_pk)
