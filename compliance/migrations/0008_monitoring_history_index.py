"""The (customer, occurred_at) index becomes covering, for index-only history loads in the stream.

The new index is built before the old one goes, so lookups always have one. On a large
live table, build `monitoredtx_customer_history` beforehand with CREATE INDEX CONCURRENTLY.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0007_alert_dashboard_index"),
        ("fintech", "0003_idempotency_record"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="monitoredtransaction",
            index=models.Index(
                fields=["customer", "occurred_at"],
                name="monitoredtx_customer_history",
                include=("id", "direction", "amount", "currency", "counterparty_account", "counterparty_country"),
            ),
        ),
        migrations.RemoveIndex(
            model_name="monitoredtransaction",
            name="compliance__custome_825b1e_idx",
        ),
    ]
