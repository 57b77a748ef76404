"""The process-local account ids (`ledger.account_cache`): looked up once, remembered only
once committed, forgotten on flush, and never trusted to post or lock money on their own.

Transactional tests: ids are remembered only after a real commit."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from fintech.models import AuditEvent
from ledger.account_cache import AccountIds, account_ids
from ledger.models import JournalEntry, LedgerAccount, Posting
from ledger.services.holds import customer_balance_account_lock
from ledger.services.journal import PostingLine, customer_balance_account_get, journal_entry_post, ledger_account_get
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)

CLEARING = LedgerAccount.GATEWAY_CLEARING
BALANCES = LedgerAccount.CUSTOMER_BALANCES


@pytest.fixture(autouse=True)
def _no_account_ids_of_other_tests():
    account_ids.clear()
    yield
    account_ids.clear()


def _payment(customer, amount: int, key: str) -> JournalEntry:
    return journal_entry_post(
        lines=[
            PostingLine(ledger_account_get(code=CLEARING, currency="EUR"), amount),
            PostingLine(customer_balance_account_get(customer=customer, currency="EUR"), -amount),
        ],
        description=key,
        idempotency_key=key,
    )


def _the_database_forgets(account: LedgerAccount, *, reuse_id_for=None) -> None:
    """Remove `account`'s row behind the cache's back (as a flush that sends no signal would),
    optionally giving its id to another customer's account (as after a sequence reset)."""
    LedgerAccount.objects.filter(pk=account.pk).delete()
    if reuse_id_for is not None:
        LedgerAccount.objects.create(
            pk=account.pk, code=BALANCES, currency="EUR", customer=reuse_id_for, kind=LedgerAccount.Kind.LIABILITY
        )


def test_a_committed_account_is_looked_up_again_without_a_query(django_assert_num_queries):
    # given the accounts, created and committed
    customer = CustomerFactory()
    clearing = ledger_account_get(code=CLEARING, currency="EUR")
    balance = customer_balance_account_get(customer=customer, currency="eur")
    # when / then
    with django_assert_num_queries(0):
        assert ledger_account_get(code=CLEARING, currency="EUR") == clearing
        again = customer_balance_account_get(customer=customer, currency="EUR")
    assert again == balance
    assert (again.code, again.currency, again.customer_id) == (BALANCES, "EUR", customer.pk)
    # and the fields not remembered load from the row when read
    assert again.name == balance.name == f"Customer balance {customer.external_id}"


def test_an_account_created_in_a_transaction_that_rolls_back_is_not_remembered():
    customer = CustomerFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        rolled_back = customer_balance_account_get(customer=customer, currency="EUR")
        raise RuntimeError("the payment failed after its account was created")
    # when
    account = customer_balance_account_get(customer=customer, currency="EUR")
    # then it is a row of the database, not the id of the row that rolled back
    assert account.pk != rolled_back.pk
    assert LedgerAccount.objects.filter(pk=account.pk, customer=customer).exists()


def test_flush_forgets_every_remembered_account():
    ledger_account_get(code=CLEARING, currency="EUR")
    assert len(account_ids) == 1
    # when the database is emptied as a transactional test's teardown does
    call_command("flush", interactive=False, verbosity=0)
    # then
    assert len(account_ids) == 0
    account = ledger_account_get(code=CLEARING, currency="EUR")
    assert LedgerAccount.objects.filter(pk=account.pk, code=CLEARING, customer=None).exists()


@pytest.mark.parametrize("reused", [False, True], ids=["account-gone", "id-now-someone-elses"])
def test_a_stale_remembered_id_never_posts_to_an_account_that_is_gone_or_someone_elses(reused):
    # given alice's balance account remembered, then gone from the database behind the cache's back
    alice, bob = CustomerFactory(), CustomerFactory()
    stale = customer_balance_account_get(customer=alice, currency="EUR")
    ledger_account_get(code=CLEARING, currency="EUR")
    _the_database_forgets(stale, reuse_id_for=bob if reused else None)
    # when alice's payment posts through the usual look-ups
    entry = _payment(alice, 500, "alice-pays")
    # then her credit is on her own account as the database has it now, with its audit event
    alice_account = LedgerAccount.objects.get(code=BALANCES, currency="EUR", customer=alice)
    assert alice_account.pk != stale.pk
    assert Posting.objects.get(entry=entry, amount=-500).account_id == alice_account.pk
    assert not Posting.objects.filter(account_id=stale.pk).exists()
    assert AuditEvent.objects.filter(action="payments.journal_entry.posted", target_id=str(entry.pk)).count() == 1
    # and the next payment finds her account without looking again
    assert customer_balance_account_get(customer=alice, currency="EUR").pk == alice_account.pk


def test_a_stale_id_retried_still_posts_each_idempotency_key_once():
    # given alice's remembered account gone, and the key already posted by another process
    # to her account as the database has it now
    alice = CustomerFactory()
    stale = customer_balance_account_get(customer=alice, currency="EUR")
    _the_database_forgets(stale)
    current = LedgerAccount.objects.create(
        code=BALANCES, currency="EUR", customer=alice, kind=LedgerAccount.Kind.LIABILITY
    )
    clearing = ledger_account_get(code=CLEARING, currency="EUR")
    first = journal_entry_post(
        lines=[PostingLine(clearing, 300), PostingLine(current, -300)], description="once", idempotency_key="once"
    )
    # when this process posts the same key with its stale id
    again = _payment(alice, 300, "once")
    # then it is the first entry, and nothing else was written
    assert again.pk == first.pk
    assert Posting.objects.filter(entry__idempotency_key="once").count() == 2
    assert AuditEvent.objects.filter(action="payments.journal_entry.posted").count() == 1
    assert customer_balance_account_get(customer=alice, currency="EUR").pk == current.pk


def test_the_balance_lock_takes_the_customers_account_as_the_database_has_it():
    alice, bob = CustomerFactory(), CustomerFactory()
    stale = customer_balance_account_get(customer=alice, currency="EUR")
    _the_database_forgets(stale, reuse_id_for=bob)
    # when
    with transaction.atomic():
        locked = customer_balance_account_lock(customer=alice, currency="EUR")
    # then
    assert locked.pk != stale.pk
    assert (locked.code, locked.currency, locked.customer_id) == (BALANCES, "EUR", alice.pk)


def test_a_posting_with_remembered_accounts_reads_no_account_and_makes_no_savepoint():
    customer = CustomerFactory()
    _payment(customer, 100, "warm-up")
    # when
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        _payment(customer, 200, "measured")
    # then
    statements = [query["sql"] for query in queries.captured_queries]
    assert not [s for s in statements if "SAVEPOINT" in s.upper()]
    assert not [s for s in statements if s.lstrip().upper().startswith("SELECT") and "payments_ledgeraccount" in s]
    assert JournalEntry.objects.filter(idempotency_key="measured").exists()


def test_the_map_forgets_the_oldest_identity_past_its_size():
    ids = AccountIds(size=2)
    # when (in autocommit: each id is remembered at once)
    for pk, code in enumerate(["fees", "refunds", "payouts"], start=1):
        ids.learn((code, "EUR", None), pk)
    # then
    assert len(ids) == 2
    assert ids.get(("fees", "EUR", None)) is None
    assert ids.get(("payouts", "EUR", None)) == 3
