"""Concurrent postings: one entry per idempotency key, and no wait on the shared clearing account."""

import threading

import pytest
from django.db import connection, connections, transaction

from fintech.models import AuditEvent
from ledger.models import JournalEntry, LedgerAccount
from ledger.services.journal import PostingLine, customer_balance_account_get, journal_entry_post, ledger_account_get
from tests.factories import CustomerFactory
from tests.helpers import thread_race

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("audit_shard_heads")]


def payment_lines(customer, amount: int) -> list[PostingLine]:
    return [
        PostingLine(ledger_account_get(code=LedgerAccount.GATEWAY_CLEARING, currency="EUR"), amount),
        PostingLine(customer_balance_account_get(customer=customer, currency="EUR"), -amount),
    ]


def test_an_entry_posted_while_another_on_the_same_clearing_account_is_open_does_not_wait():
    # given an entry on the gateway's clearing account, posted and not yet committed
    first, second = CustomerFactory(), CustomerFactory()
    payment_lines(first, 1)  # the accounts exist, as for returning customers
    payment_lines(second, 1)
    posted, release, errors = threading.Event(), threading.Event(), []

    def open_entry():
        try:
            with transaction.atomic():
                journal_entry_post(lines=payment_lines(first, 500), description="first", idempotency_key="first")
                posted.set()
                release.wait(timeout=30)
        except Exception as exc:  # asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=open_entry)
    thread.start()
    assert posted.wait(timeout=30)
    # when another customer's payment posts to the same clearing account, under a lock timeout
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '2s'")
        journal_entry_post(lines=payment_lines(second, 700), description="second", idempotency_key="second")
    # then it committed while the first was still open (the lock timeout turns a wait into an error)
    assert JournalEntry.objects.filter(idempotency_key="second").exists()
    assert not JournalEntry.objects.filter(idempotency_key="first").exists()
    release.set()
    thread.join(timeout=30)
    # and both entries are there, each with its audit event
    assert errors == []
    entries = JournalEntry.objects.filter(idempotency_key__in=["first", "second"])
    assert entries.count() == 2
    audited = AuditEvent.objects.filter(
        action="payments.journal_entry.posted", target_id__in=[str(e.pk) for e in entries]
    )
    assert audited.count() == 2


def test_racing_posts_of_one_idempotency_key_post_one_entry_with_one_audit_event():
    customer = CustomerFactory()
    payment_lines(customer, 1)
    racers = 4

    def post():
        with transaction.atomic():
            return journal_entry_post(
                lines=payment_lines(customer, 900), description="race", idempotency_key="payment-race"
            ).pk

    results = thread_race([post] * racers, timeout=60)
    entry = JournalEntry.objects.get(idempotency_key="payment-race")
    assert results == [entry.pk] * racers  # no exception, one entry for all
    assert entry.postings.count() == 2
    assert AuditEvent.objects.filter(action="payments.journal_entry.posted", target_id=str(entry.pk)).count() == 1
