"""Indexes for the alert queue, and pg_trgm trigram indexes for the officers' fuzzy search.

The GIN indexes are plain SQL rather than model `Meta.indexes` because one of them is on
the core's customer table, which compliance searches but does not own.
On a large live database, create them beforehand with CREATE INDEX CONCURRENTLY (same
names): `IF NOT EXISTS` then makes this migration a no-op for them.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

# (index name, table, column)
TRIGRAM_INDEXES = [
    ("customer_legal_name_trgm", "fintech_customer", "legal_name"),
    ("customer_external_id_trgm", "fintech_customer", "external_id"),
    ("monitoredtx_counterparty_trgm", "compliance_monitoredtransaction", "counterparty_name"),
    ("monitoredtx_source_id_trgm", "compliance_monitoredtransaction", "source_id"),
    ("case_reference_trgm", "compliance_case", "reference"),
]


def create_trigram_indexes(apps, schema_editor):
    for name, table, column in TRIGRAM_INDEXES:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ("{column}" gin_trgm_ops)')


def drop_trigram_indexes(apps, schema_editor):
    for name, _table, _column in TRIGRAM_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0004_cases"),
        ("fintech", "0003_idempotency_record"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="alert",
            index=models.Index(fields=["created_at", "id"], name="alert_queue_created_idx"),
        ),
        migrations.AddIndex(
            model_name="alert",
            index=models.Index(fields=["rule_code", "severity", "created_at"], name="alert_queue_rule_idx"),
        ),
        TrigramExtension(),  # a no-op on other databases
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
    ]
