from django.db import migrations, models

import fintech.fields


def encrypt_existing_values(apps, schema_editor):
    """Seal the clear account numbers and index them, so the rules still match counterparties."""
    from fintech.services.encryption import column_encrypt_in_place

    column_encrypt_in_place(
        model=apps.get_model("compliance", "MonitoredTransaction"),
        field_name="counterparty_account",
        index_name="counterparty_account_index",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0008_monitoring_history_index"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="monitoredtransaction",
            name="monitoredtx_customer_history",
        ),
        migrations.AddField(
            model_name="monitoredtransaction",
            name="counterparty_account_index",
            field=fintech.fields.BlindIndexField(
                db_index=False, purpose="monitoring.counterparty_account", source="counterparty_account"
            ),
        ),
        migrations.AlterField(
            model_name="monitoredtransaction",
            name="counterparty_account",
            field=fintech.fields.EncryptedTextField(blank=True),
        ),
        migrations.AddIndex(
            model_name="monitoredtransaction",
            index=models.Index(
                fields=["customer", "occurred_at"],
                include=("id", "direction", "amount", "currency", "counterparty_account_index", "counterparty_country"),
                name="monitoredtx_customer_history",
            ),
        ),
        migrations.RunPython(encrypt_existing_values, migrations.RunPython.noop, elidable=False),
    ]
