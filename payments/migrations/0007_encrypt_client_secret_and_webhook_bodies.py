from django.db import migrations

import fintech.fields


def encrypt_existing_values(apps, schema_editor):
    """Rows stored before these columns were encrypted hold clear text: seal them."""
    from fintech.services.encryption import column_encrypt_in_place

    column_encrypt_in_place(model=apps.get_model("payments", "Payment"), field_name="client_secret")
    column_encrypt_in_place(model=apps.get_model("payments", "WebhookDelivery"), field_name="raw_body")


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0006_reconciliation_item_ledger_kind_fits_dispute_reinstated"),
    ]

    operations = [
        migrations.AlterField(
            model_name="payment",
            name="client_secret",
            field=fintech.fields.EncryptedTextField(blank=True, help_text="Handed to the browser to confirm."),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="raw_body",
            field=fintech.fields.EncryptedTextField(
                help_text="The body exactly as received and verified; encrypted at rest."
            ),
        ),
        migrations.RunPython(encrypt_existing_values, migrations.RunPython.noop, elidable=False),
    ]
