"""Fewer indexes on the audit trail, so an append writes fewer B-tree pages.

Dropped: the unique index on `hash` and its LIKE twin (nothing looks an event up by its
hash; the unique (shard, seq) stops forks), the LIKE twin of `action` (the admin filters on
whole actions) and `actor`'s own index (the (actor, occurred_at) index serves it).
The plain index on `action` is built concurrently before the old one goes, so appends are
not blocked while it builds and the admin's filter is never without an index.
"""

import django.db.models.deletion
from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("fintech", "0008_outbox_message"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="auditevent",
            index=models.Index(fields=["action"], name="fintech_auditevent_action"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="action",
            field=models.CharField(max_length=100),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(max_length=64),
        ),
    ]
