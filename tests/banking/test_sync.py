"""/transactions/sync: stored cursor, has_more, added/modified/removed, mutation restart."""

from __future__ import annotations

import pytest

from banking.errors import SyncRestartLimitError
from banking.models import BankTransaction, PlaidItem
from banking.services.sync import item_transactions_sync
from fintech.models import AuditEvent

pytestmark = pytest.mark.django_db


def _synced_audits(item) -> list[dict]:
    return list(
        AuditEvent.objects.filter(action="banking.item.transactions_synced", target_id=str(item.pk))
        .order_by("seq")
        .values_list("after", flat=True)
    )


def test_added_modified_removed_over_several_pages(
    fake_plaid, linked_item, published, django_capture_on_commit_callbacks
):
    # given: an item with two pages of updates waiting
    item = linked_item()
    account = item.accounts.get(subtype="checking").account_id
    tx = fake_plaid.transaction
    fake_plaid.transactions_push(
        item.item_id,
        added=[tx(account, transaction_id="a", amount=10), tx(account, transaction_id="b", amount=20, pending=True)],
    )
    fake_plaid.transactions_push(item.item_id, added=[tx(account, transaction_id="c", amount=30)])
    # when
    with django_capture_on_commit_callbacks(execute=True):
        outcome = item_transactions_sync(item_id=item.pk)
    # then: every page was followed and applied, the cursor stored
    assert (outcome.added, outcome.modified, outcome.removed) == (3, 0, 0)
    item.refresh_from_db()
    assert item.transactions_cursor == "c2" and item.last_synced_at is not None
    assert fake_plaid.count("/transactions/sync") == 2
    assert [p["reference"] for p in published] == ["a", "b", "c"]
    # when: the next sync brings a modification (b posts) and a removal (a)
    fake_plaid.transactions_push(
        item.item_id,
        modified=[tx(account, transaction_id="b", amount=21.5)],
        removed=[{"account_id": account, "transaction_id": "a"}],
    )
    with django_capture_on_commit_callbacks(execute=True):
        outcome = item_transactions_sync(item_id=item.pk)
    # then: incremental from the stored cursor, no new events for changed rows
    assert (outcome.added, outcome.modified, outcome.removed) == (0, 1, 1)
    assert fake_plaid.requests[-1] == (
        "/transactions/sync",
        {"access_token": item.access_token, "cursor": "c2", "count": 100},
    )
    b = BankTransaction.objects.get(transaction_id="b")
    assert (b.amount, b.pending) == (2150, False)
    assert BankTransaction.objects.get(transaction_id="a").removed is True
    assert len(published) == 3
    assert _synced_audits(item)[-1] | {"pages": 1} == {
        "added": 0,
        "modified": 1,
        "removed": 1,
        "unknown_account": 0,
        "pages": 1,
        "restarts": 0,
    }
    # and a sync with nothing new changes nothing but the sync time
    assert item_transactions_sync(item_id=item.pk).added == 0
    assert BankTransaction.objects.count() == 3


def test_mutation_during_pagination_restarts_from_the_committed_cursor(
    fake_plaid, linked_item, published, django_capture_on_commit_callbacks
):
    item = linked_item()
    account = item.accounts.first().account_id
    for name in ("p0", "p1", "p2"):
        fake_plaid.transactions_push(item.item_id, added=[fake_plaid.transaction(account, transaction_id=name)])
    fake_plaid.mutation_during_pagination_once()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        outcome = item_transactions_sync(item_id=item.pk)
    # then: the first run's page was dropped; the second run from "" applied all three once
    assert outcome.restarts == 1 and outcome.added == 3
    cursors = [params.get("cursor", "") for path, params in fake_plaid.requests if path == "/transactions/sync"]
    assert cursors == ["", "c1", "", "c1", "c2"]
    assert sorted(BankTransaction.objects.values_list("transaction_id", flat=True)) == ["p0", "p1", "p2"]
    assert [p["reference"] for p in published] == ["p0", "p1", "p2"]
    assert _synced_audits(item)[-1]["restarts"] == 1


def test_sync_gives_up_after_repeated_mutations(fake_plaid, linked_item, monkeypatch):
    item = linked_item()
    account = item.accounts.first().account_id
    for name in ("p0", "p1"):
        fake_plaid.transactions_push(item.item_id, added=[fake_plaid.transaction(account, transaction_id=name)])
    original = fake_plaid._sync

    def always_mutating(params):
        fake_plaid.mutation_during_pagination_once()
        return original(params)

    monkeypatch.setattr(fake_plaid, "_sync", always_mutating)  # the fake, not the code under test
    with pytest.raises(SyncRestartLimitError):
        item_transactions_sync(item_id=item.pk)
    item.refresh_from_db()
    assert item.transactions_cursor == "" and not BankTransaction.objects.exists()


def test_login_required_during_sync_marks_the_item(fake_plaid, linked_item):
    item = linked_item()
    fake_plaid.item_fail_with(item.item_id, "ITEM_LOGIN_REQUIRED")
    assert item_transactions_sync(item_id=item.pk).skipped == "needs_update"
    item.refresh_from_db()
    assert (item.status, item.error_code) == (PlaidItem.Status.NEEDS_UPDATE, "ITEM_LOGIN_REQUIRED")
    audit = AuditEvent.objects.get(action="banking.item.status_changed", target_id=str(item.pk))
    assert audit.before["status"] == "healthy" and audit.after["status"] == "needs_update"


def test_revoked_items_are_not_synced(fake_plaid, linked_item):
    item = linked_item()
    PlaidItem.objects.filter(pk=item.pk).update(status=PlaidItem.Status.REVOKED)
    assert item_transactions_sync(item_id=item.pk).skipped == "revoked"
    assert fake_plaid.count("/transactions/sync") == 0


def test_transactions_of_unknown_accounts_are_counted_not_stored(fake_plaid, linked_item):
    item = linked_item()
    fake_plaid.transactions_push(item.item_id, added=[fake_plaid.transaction("acc-unknown", transaction_id="x")])
    outcome = item_transactions_sync(item_id=item.pk)
    assert outcome.added == 0 and not BankTransaction.objects.exists()
    assert _synced_audits(item)[-1]["unknown_account"] == 1


def test_synced_bank_transactions_reach_aml_monitoring(fake_plaid, linked_item, relay, monitoring_consumer):
    from compliance.monitoring.models import DeadLetterEvent, MonitoredTransaction

    item = linked_item()
    account = item.accounts.get(subtype="checking").account_id
    fake_plaid.transactions_push(item.item_id, added=[fake_plaid.transaction(account, transaction_id="m1", amount=42)])
    item_transactions_sync(item_id=item.pk)
    relay()
    assert monitoring_consumer.consume_once("c1", block_ms=100) == 1
    monitored = MonitoredTransaction.objects.get(source="banking", source_id="m1")
    assert (monitored.customer_id, monitored.amount, monitored.direction) == (item.customer_id, 4200, "out")
    # the counterparty and the channel reach the rules: a purchase at a merchant, not a transfer to a person
    assert (monitored.counterparty_name, monitored.counterparty_account, monitored.channel) == (
        "Coffee",
        "Coffee",
        "merchant",
    )
    assert monitored.occurred_at.tzinfo is not None
    assert not DeadLetterEvent.objects.exists()
