"""Move the ledger models' content types from app label `payments` to `ledger`.

Permissions hang off content types, so moving the rows (rather than letting
`post_migrate` create new ones and dropping the old) keeps every permission already
granted to a role or a user. A database migrated from scratch has no such rows yet:
then there is nothing to move and `post_migrate` creates them under `ledger`.
"""

from django.db import migrations

MODELS = ("ledgeraccount", "journalentry", "posting", "ledgerhold")


def _move(apps, *, source: str, target: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if content_type.objects.filter(app_label=target, model=model).exists():
            continue
        content_type.objects.filter(app_label=source, model=model).update(app_label=target)


def content_types_to_ledger(apps, schema_editor) -> None:
    _move(apps, source="payments", target="ledger")


def content_types_to_payments(apps, schema_editor) -> None:
    _move(apps, source="ledger", target="payments")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("ledger", "0001_initial"),
        ("payments", "0009_ledger_models_move_to_ledger_app"),
    ]

    operations = [migrations.RunPython(content_types_to_ledger, content_types_to_payments)]
