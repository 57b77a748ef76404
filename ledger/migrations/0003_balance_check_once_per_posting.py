"""The deferred balance check asks each question once per entry.

The entry's trigger asks only whether the entry has postings (one without any is refused);
each posting's trigger only whether its entry balances: an unbalanced entry has postings, so
one of them refuses it, as it refuses a posting added later to an entry already posted. One
index scan of the entry's postings per row at commit, not two. The constraint triggers
(`payments/migrations/0002_ledger_triggers.py`) stay; only their function changes, with the
same refusals and messages.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION payments_journalentry_balanced() RETURNS trigger AS $$
DECLARE
    unbalanced record;
BEGIN
    IF TG_TABLE_NAME = 'payments_journalentry' THEN
        IF NOT EXISTS (SELECT 1 FROM payments_posting WHERE entry_id = NEW.id) THEN
            RAISE EXCEPTION 'journal entry % has no postings', NEW.id USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END IF;
    SELECT currency, SUM(amount) AS total INTO unbalanced
        FROM payments_posting WHERE entry_id = NEW.entry_id
        GROUP BY currency HAVING SUM(amount) <> 0 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal entry % does not balance in %: off by %', NEW.entry_id, unbalanced.currency,
            unbalanced.total USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_content_types_from_payments")]

    # Unapplied, the function stays: it refuses exactly what the one it replaced refused, and
    # unapplying payments 0002 drops it with the triggers.
    operations = [migrations.RunSQL(PG_FORWARD, migrations.RunSQL.noop)]
