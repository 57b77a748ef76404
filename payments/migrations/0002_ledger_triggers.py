"""The ledger at the database: postings balance per entry and currency (checked at
commit), and posted entries and postings refuse UPDATE and DELETE. Corrections are
reversing entries."""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION payments_ledger_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is immutable once posted: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER payments_posting_immutable
    BEFORE UPDATE OR DELETE ON payments_posting
    FOR EACH ROW EXECUTE FUNCTION payments_ledger_immutable();
CREATE TRIGGER payments_journalentry_immutable
    BEFORE UPDATE OR DELETE ON payments_journalentry
    FOR EACH ROW EXECUTE FUNCTION payments_ledger_immutable();

CREATE OR REPLACE FUNCTION payments_journalentry_balanced() RETURNS trigger AS $$
DECLARE
    entry bigint;
    unbalanced record;
BEGIN
    IF TG_TABLE_NAME = 'payments_posting' THEN
        entry := NEW.entry_id;
    ELSE
        entry := NEW.id;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM payments_posting WHERE entry_id = entry) THEN
        RAISE EXCEPTION 'journal entry % has no postings', entry USING ERRCODE = 'check_violation';
    END IF;
    SELECT currency, SUM(amount) AS total INTO unbalanced
        FROM payments_posting WHERE entry_id = entry
        GROUP BY currency HAVING SUM(amount) <> 0 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal entry % does not balance in %: off by %', entry, unbalanced.currency, unbalanced.total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE CONSTRAINT TRIGGER payments_posting_balanced
    AFTER INSERT ON payments_posting
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION payments_journalentry_balanced();
CREATE CONSTRAINT TRIGGER payments_journalentry_balanced
    AFTER INSERT ON payments_journalentry
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION payments_journalentry_balanced();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS payments_journalentry_balanced ON payments_journalentry;
DROP TRIGGER IF EXISTS payments_posting_balanced ON payments_posting;
DROP FUNCTION IF EXISTS payments_journalentry_balanced();
DROP TRIGGER IF EXISTS payments_journalentry_immutable ON payments_journalentry;
DROP TRIGGER IF EXISTS payments_posting_immutable ON payments_posting;
DROP FUNCTION IF EXISTS payments_ledger_immutable();
"""


def add_triggers(apps, schema_editor):
    schema_editor.execute(PG_FORWARD, params=None)


def drop_triggers(apps, schema_editor):
    schema_editor.execute(PG_REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.RunPython(add_triggers, drop_triggers)]
