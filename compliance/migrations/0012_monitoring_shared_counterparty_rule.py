from django.db import migrations, models

# Frozen copy (migrations must not change when the code does): the shared-counterparty typology,
# created switched off (docs/monitoring.md gives its measured precision); an existing row is left alone.
SHARED_COUNTERPARTY = {
    "severity": "medium",
    "params": {
        "min_customers": 4,
        "window_days": 7,
        "exclude_channels": ["card", "merchant", "pos", "ecommerce", "card_purchase", "direct_debit", "atm", "cash"],
    },
}


def add_shared_counterparty_rule(apps, schema_editor):
    Rule = apps.get_model("compliance", "Rule")
    if not Rule.objects.filter(code="shared_counterparty").exists():
        Rule.objects.create(
            code="shared_counterparty",
            version=1,
            params=SHARED_COUNTERPARTY["params"],
            severity=SHARED_COUNTERPARTY["severity"],
            enabled=False,
            is_current=True,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0011_monitoring_history_aware_rules"),
    ]

    operations = [
        migrations.RunPython(add_shared_counterparty_rule, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="monitoredtransaction",
            index=models.Index(fields=["created_at"], name="monitoredtx_arrived"),
        ),
    ]
