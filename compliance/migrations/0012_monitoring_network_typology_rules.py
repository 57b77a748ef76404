from django.db import migrations, models

# Frozen copies (migrations must not change when the code does): the shared-counterparty and
# pass-through typologies, created switched off (docs/monitoring.md gives their measured precision),
# and scatter-gather, switched on; an existing row is left alone.
NEW_RULES = {
    "shared_counterparty": {
        "severity": "medium",
        "params": {
            "min_customers": 4,
            "window_days": 7,
            "directions": ["out"],
            "exclude_channels": [
                "card",
                "merchant",
                "pos",
                "ecommerce",
                "card_purchase",
                "direct_debit",
                "atm",
                "cash",
            ],
        },
    },
    "pass_through": {
        "severity": "medium",
        "params": {"min_hops": 3, "max_hops": 6, "dwell_hours": 72, "amount_tolerance": 0.03},
    },
    "scatter_gather": {"severity": "high", "enabled": True, "params": {"min_intermediaries": 3, "window_days": 14}},
}


def add_switched_off_rules(apps, schema_editor):
    Rule = apps.get_model("compliance", "Rule")
    for code, spec in NEW_RULES.items():
        if not Rule.objects.filter(code=code).exists():
            Rule.objects.create(
                code=code,
                version=1,
                params=spec["params"],
                severity=spec["severity"],
                enabled=spec.get("enabled", False),
                is_current=True,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0011_monitoring_history_aware_rules"),
    ]

    operations = [
        migrations.RunPython(add_switched_off_rules, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="monitoredtransaction",
            index=models.Index(fields=["created_at"], name="monitoredtx_arrived"),
        ),
    ]
