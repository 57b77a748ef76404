"""The audit table refuses changes at the database, the chain head row exists, and the
staff role groups exist.

The database refuses UPDATE and DELETE on audit rows (a trigger); a deleted row would
also be caught by `verify_audit_chain` (a gap in `seq`)."""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION fintech_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'fintech_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER fintech_auditevent_append_only
    BEFORE UPDATE OR DELETE ON fintech_auditevent
    FOR EACH ROW EXECUTE FUNCTION fintech_auditevent_append_only();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS fintech_auditevent_append_only ON fintech_auditevent;
DROP FUNCTION IF EXISTS fintech_auditevent_append_only();
"""


def add_triggers(apps, schema_editor):
    schema_editor.execute(PG_FORWARD, params=None)


def drop_triggers(apps, schema_editor):
    schema_editor.execute(PG_REVERSE, params=None)


def create_head_and_roles(apps, schema_editor):
    apps.get_model("fintech", "AuditChainHead").objects.get_or_create(pk=1)
    Group = apps.get_model("auth", "Group")
    for role in ("Compliance Officer", "Analyst", "Payments Operations", "Auditor"):
        Group.objects.get_or_create(name=role)


class Migration(migrations.Migration):
    dependencies = [
        ("fintech", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(add_triggers, drop_triggers),
        migrations.RunPython(create_head_and_roles, migrations.RunPython.noop),
    ]
