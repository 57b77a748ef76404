"""Item upkeep: balances, the beat sync, and linking rules."""

from __future__ import annotations

import pytest

from banking.errors import BankLinkError
from banking.models import BankAccount, PlaidItem
from banking.services.items import item_balances_refresh, item_link_exchange
from banking.tasks import sync_all_items, sync_item_transactions
from fintech.models import AuditEvent
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_balances_refresh_from_balance_get(fake_plaid, linked_item):
    item = linked_item()
    checking = item.accounts.get(subtype="checking")
    fake_plaid.item(item.item_id)["accounts"][0]["balances"].update(available=75.25, current=80.1)
    changed = item_balances_refresh(item=item)
    assert len(changed) == 2
    checking.refresh_from_db()
    assert (checking.available_balance, checking.current_balance) == (7525, 8010)
    assert fake_plaid.count("/accounts/balance/get") == 1
    audit = AuditEvent.objects.get(action="banking.account.balances_refreshed", target_id=str(checking.pk))
    assert audit.before == {"current": 11000, "available": 10000}
    assert audit.after == {"current": 8010, "available": 7525}


def test_the_beat_task_enqueues_a_sync_per_live_item(fake_plaid, linked_item, capture_tasks):
    live, revoked = linked_item(), linked_item()
    PlaidItem.objects.filter(pk=revoked.pk).update(status=PlaidItem.Status.REVOKED)
    with capture_tasks() as tasks:
        assert sync_all_items() == 1
    assert tasks == [(sync_item_transactions.name, [live.pk])]


def test_an_item_cannot_move_to_another_customer(fake_plaid, linked_item):
    item = linked_item()
    # the same login handed over again, by a different customer's session
    public_token = "public-sandbox-again"
    fake_plaid.public_tokens[public_token] = item.item_id
    with pytest.raises(BankLinkError):
        item_link_exchange(customer_id=CustomerFactory().pk, public_token=public_token)
    assert PlaidItem.objects.get(pk=item.pk).customer_id == item.customer_id


def test_items_without_auth_or_identity_still_link(fake_plaid):
    customer = CustomerFactory()
    public_token = fake_plaid.item_add()
    item_id = fake_plaid.public_tokens[public_token]
    original = fake_plaid._route

    def no_auth(path, params):  # the fake answers as Plaid does for an institution without Auth
        if path in ("/auth/get", "/identity/get"):
            from sandbox.plaid_server import PlaidApiError

            raise PlaidApiError("PRODUCTS_NOT_SUPPORTED", error_type="ITEM_ERROR")
        return original(path, params)

    fake_plaid._route = no_auth  # the fake, not the code under test
    item = item_link_exchange(customer_id=customer.pk, public_token=public_token)
    assert item.item_id == item_id
    accounts = list(BankAccount.objects.all())
    assert len(accounts) == 2
    assert all(a.account_number == "" and a.routing_number == "" and a.owner_names == [] for a in accounts)
