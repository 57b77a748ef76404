from __future__ import annotations

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from fintech.models import AuditEvent
from ledger.errors import UnbalancedEntryError
from ledger.models import JournalEntry, LedgerAccount, Posting
from ledger.selectors import journal_entry_totals, ledger_account_balance, ledger_balances
from ledger.services.journal import PostingLine, journal_entry_post, journal_entry_reverse, ledger_account_get


def _accounts(currency: str = "EUR") -> tuple[LedgerAccount, LedgerAccount]:
    return (
        ledger_account_get(code=LedgerAccount.GATEWAY_CLEARING, currency=currency),
        ledger_account_get(code=LedgerAccount.CUSTOMER_BALANCES, currency=currency),
    )


def _post(key: str = "test-1", amount: int = 1000, currency: str = "EUR") -> JournalEntry:
    clearing, customers = _accounts(currency)
    return journal_entry_post(
        lines=[PostingLine(clearing, amount), PostingLine(customers, -amount)], description="test", idempotency_key=key
    )


@pytest.mark.django_db
def test_balanced_entry_is_posted_with_its_audit_event_and_balances_come_from_postings():
    # when
    entry = _post()
    # then
    clearing, customers = _accounts()
    assert journal_entry_totals(entry=entry) == {"EUR": 0}
    assert ledger_account_balance(account=clearing) == 1000
    assert ledger_account_balance(account=customers) == -1000
    assert ledger_balances(currency="EUR") == {("gateway_clearing", "EUR"): 1000, ("customer_balances", "EUR"): -1000}
    event = AuditEvent.objects.get(action="payments.journal_entry.posted", target_id=str(entry.pk))
    assert event.after["postings"] == [
        {"account": "gateway_clearing", "amount": 1000, "currency": "EUR"},
        {"account": "customer_balances", "amount": -1000, "currency": "EUR"},
    ]


@pytest.mark.django_db
def test_same_idempotency_key_posts_once():
    first = _post(key="same")
    second = _post(key="same")
    assert first.pk == second.pk
    assert Posting.objects.count() == 2
    assert AuditEvent.objects.filter(action="payments.journal_entry.posted").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "amounts",
    [(1000, -999), (1000,), (1000, 0, -1000), (1000, -1000, 5)],
    ids=["off-by-one", "single-line", "zero-line", "extra-debit"],
)
def test_unbalanced_entry_is_refused_in_code_and_writes_nothing(amounts):
    clearing, customers = _accounts()
    lines = [PostingLine(clearing if i % 2 == 0 else customers, amount) for i, amount in enumerate(amounts)]
    with pytest.raises(UnbalancedEntryError):
        journal_entry_post(lines=lines, description="bad", idempotency_key="bad")
    assert not JournalEntry.objects.exists()
    assert not Posting.objects.exists()
    assert not AuditEvent.objects.filter(action="payments.journal_entry.posted").exists()


@pytest.mark.django_db
def test_balance_is_per_currency():
    eur_clearing, _ = _accounts("EUR")
    _, usd_customers = _accounts("USD")
    # 1000 EUR against 1000 USD sums to zero but balances in neither currency
    with pytest.raises(UnbalancedEntryError, match="EUR off by 1000, USD off by -1000"):
        journal_entry_post(
            lines=[PostingLine(eur_clearing, 1000), PostingLine(usd_customers, -1000)],
            description="fx",
            idempotency_key="fx",
        )


@pytest.mark.django_db
def test_reversal_posts_the_opposite_once_and_links_it():
    entry = _post()
    reversal = journal_entry_reverse(entry=entry)
    again = journal_entry_reverse(entry=entry)
    assert again.pk == reversal.pk
    assert reversal.reverses_id == entry.pk
    clearing, customers = _accounts()
    assert ledger_account_balance(account=clearing) == 0
    assert ledger_account_balance(account=customers) == 0
    audit = AuditEvent.objects.get(action="payments.journal_entry.posted", target_id=str(reversal.pk))
    assert audit.after["reverses"] == entry.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE payments_posting SET amount = 5",
        "DELETE FROM payments_posting",
        "UPDATE payments_journalentry SET description = 'edited'",
        "DELETE FROM payments_journalentry",
    ],
)
def test_posted_rows_refuse_update_and_delete_at_the_database(statement):
    # given
    entry = _post()
    # when / then: refused by the trigger whatever the path (ORM, raw SQL, a console)
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert JournalEntry.objects.get(pk=entry.pk).description == "test"
    assert sorted(Posting.objects.values_list("amount", flat=True)) == [-1000, 1000]


@pytest.mark.django_db(transaction=True)
def test_postgres_deferred_trigger_refuses_an_unbalanced_entry_at_commit():
    clearing, customers = _accounts()
    # given postings written around the service, as a buggy caller or a hand-written SQL would
    with pytest.raises(IntegrityError, match="does not balance in EUR"), transaction.atomic():
        entry = JournalEntry.objects.create(description="raw", idempotency_key="raw", posted_at=timezone.now())
        Posting.objects.create(entry=entry, account=clearing, amount=1000, currency="EUR")
        Posting.objects.create(entry=entry, account=customers, amount=-900, currency="EUR")
        # the check is deferred: inside the transaction the half-written entry is allowed
        assert Posting.objects.filter(entry=entry).count() == 2
    assert not JournalEntry.objects.filter(idempotency_key="raw").exists()


@pytest.mark.django_db(transaction=True)
def test_postgres_deferred_trigger_refuses_an_entry_without_postings():
    with pytest.raises(IntegrityError, match="has no postings"), transaction.atomic():
        JournalEntry.objects.create(description="empty", idempotency_key="empty", posted_at=timezone.now())
    assert not JournalEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_postgres_balanced_entry_commits():
    entry = _post(key="committed")
    assert JournalEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_postgres_deferred_trigger_refuses_a_posting_added_to_an_entry_already_posted():
    # given a balanced entry, committed
    entry = _post(key="posted")
    clearing, _ = _accounts()
    # when a later transaction adds a posting to it (inserts are not caught by the immutability trigger)
    with pytest.raises(IntegrityError, match=f"journal entry {entry.pk} does not balance in EUR"), transaction.atomic():
        Posting.objects.create(entry=entry, account=clearing, amount=5, currency="EUR")
    # then the entry is as it was posted
    assert sorted(Posting.objects.filter(entry=entry).values_list("amount", flat=True)) == [-1000, 1000]


@pytest.mark.django_db
def test_the_entry_statement_is_prepared_once_per_connection():
    # when (DB_PREPARE_THRESHOLD, 5 by default: prepared on the sixth run)
    for n in range(7):
        _post(key=f"prepared-{n}", amount=1000 + n)
    # then the database plans it once for this connection, not once per entry
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%INSERT INTO payments_journalentry%"],
        )
        assert cursor.fetchone()[0] == 1
    assert JournalEntry.objects.filter(idempotency_key__startswith="prepared-").count() == 7
