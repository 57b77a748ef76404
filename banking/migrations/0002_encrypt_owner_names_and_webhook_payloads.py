from django.db import migrations

import fintech.fields


def encrypt_existing_values(apps, schema_editor):
    """Rows stored before these columns were encrypted hold clear JSON: seal them."""
    from fintech.services.encryption import column_encrypt_in_place

    column_encrypt_in_place(model=apps.get_model("banking", "BankAccount"), field_name="owner_names")
    column_encrypt_in_place(model=apps.get_model("banking", "PlaidWebhookEvent"), field_name="payload")


class Migration(migrations.Migration):
    dependencies = [
        ("banking", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="bankaccount",
            name="owner_names",
            field=fintech.fields.EncryptedJSONField(blank=True, default=list),
        ),
        migrations.AlterField(
            model_name="plaidwebhookevent",
            name="payload",
            field=fintech.fields.EncryptedJSONField(help_text="The webhook as received; encrypted at rest."),
        ),
        migrations.RunPython(encrypt_existing_values, migrations.RunPython.noop, elidable=False),
    ]
