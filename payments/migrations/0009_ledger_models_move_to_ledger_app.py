"""The ledger's models leave `payments` for the `ledger` app, in Django's state only:
the tables stay (the `ledger` models name them), and the reconciliation item's adjusting
entry points at `ledger.JournalEntry`, the same table.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0001_initial"),
        ("payments", "0008_customer_subledger_and_holds"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name="posting",
                    name="entry",
                ),
                migrations.AlterField(
                    model_name="reconciliationitem",
                    name="adjusting_entry",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="ledger.journalentry",
                    ),
                ),
                migrations.RemoveField(
                    model_name="ledgeraccount",
                    name="customer",
                ),
                migrations.RemoveField(
                    model_name="ledgerhold",
                    name="account",
                ),
                migrations.RemoveField(
                    model_name="posting",
                    name="account",
                ),
                migrations.DeleteModel(
                    name="JournalEntry",
                ),
                migrations.DeleteModel(
                    name="LedgerHold",
                ),
                migrations.DeleteModel(
                    name="LedgerAccount",
                ),
                migrations.DeleteModel(
                    name="Posting",
                ),
            ],
        ),
    ]
