"""Link → exchange (Celery task body) → accounts → sync, end to end against the fake Plaid."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from banking.models import BankAccount, BankTransaction, PlaidItem
from banking.tasks import exchange_public_token, sync_item_transactions
from fintech.models import AuditEvent, OutboxMessage
from tests.banking.conftest import INSTITUTION, OWNER
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _post_link(client, body):
    return client.post("/bank/link/complete/", data=json.dumps(body), content_type="application/json")


def test_link_exchange_sync_end_to_end(client, fake_plaid, published):
    # given: a signed-in customer on the bank page
    customer = CustomerFactory(legal_name=OWNER)
    client.force_login(customer.user)
    page = client.get("/bank/")
    assert page.status_code == 200
    assert b"cdn.plaid.com/link/v2/stable/link-initialize.js" in page.content
    assert b"link-sandbox-" in page.content
    # when: Link hands over the public token and metadata
    public_token = fake_plaid.item_add(owner_names=(OWNER,))
    response = _post_link(
        client,
        {"public_token": public_token, "metadata": {"institution": {"institution_id": INSTITUTION, "name": "H"}}},
    )
    assert response.status_code == 202
    message = OutboxMessage.objects.get(destination="banking.exchange_public_token")
    # the single-use token is sealed, not in the message's plain payload
    assert message.payload["args"] == [customer.pk] and public_token not in json.dumps(message.payload)
    assert message.sealed == {"public_token": public_token}
    assert not PlaidItem.objects.exists()  # nothing happens until the task runs
    # and the exchange task runs (its body, synchronously)
    item = PlaidItem.objects.get(
        pk=exchange_public_token(*message.payload["args"], **message.payload["kwargs"], **message.sealed)
    )
    # then: the item and its accounts are stored, numbers encrypted
    assert item.customer == customer and item.institution_id == INSTITUTION
    assert item.institution_name == "Houndstooth Bank" and item.link_institution_id == INSTITUTION
    accounts = list(item.accounts.order_by("mask"))
    assert [(a.subtype, a.mask, a.currency) for a in accounts] == [
        ("checking", "1000", "USD"),
        ("savings", "1001", "USD"),
    ]
    assert accounts[0].account_number == "990001000" and accounts[0].routing_number == "011401533"
    assert accounts[0].owner_names == [OWNER]
    assert accounts[0].available_balance == 10000 and accounts[0].current_balance == 11000
    with connection.cursor() as cursor:
        cursor.execute("SELECT account_number, routing_number FROM banking_bankaccount WHERE id = %s", [accounts[0].pk])
        raw_number, raw_routing = cursor.fetchone()
    assert "990001000" not in str(raw_number) and "011401533" not in str(raw_routing)
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token FROM banking_plaiditem WHERE id = %s", [item.pk])
        assert "access-sandbox" not in str(cursor.fetchone()[0])
    assert AuditEvent.objects.filter(action="banking.item.linked", target_id=str(item.pk)).count() == 1
    assert AuditEvent.objects.filter(action="banking.item.accounts_loaded", target_id=str(item.pk)).count() == 1
    # when: transactions arrive and the sync task runs
    fake_plaid.transactions_push(
        item.item_id,
        added=[
            fake_plaid.transaction(accounts[0].account_id, amount=12.34, name="Coffee", transaction_id="t1"),
            fake_plaid.transaction(accounts[0].account_id, amount=-250.5, name="Salary", transaction_id="t2"),
        ],
    )
    result = sync_item_transactions(item.pk)
    # then
    assert result["added"] == 2
    assert {(t.transaction_id, t.amount) for t in BankTransaction.objects.all()} == {("t1", 1234), ("t2", -25050)}
    assert [(p["reference"], p["amount"], p["direction"], p["source"]) for p in published] == [
        ("t1", 1234, "out", "banking"),
        ("t2", 25050, "in", "banking"),
    ]
    assert AuditEvent.objects.filter(action="banking.item.transactions_synced", target_id=str(item.pk)).exists()
    # and the customer's page shows masks only
    page = client.get("/bank/").content.decode()
    assert "••••1000" in page and "990001000" not in page and "011401533" not in page


def test_exchange_task_is_idempotent(fake_plaid):
    customer = CustomerFactory(legal_name=OWNER)
    public_token = fake_plaid.item_add()
    first = exchange_public_token(customer.pk, public_token, INSTITUTION)
    again = exchange_public_token(customer.pk, public_token, INSTITUTION)
    assert first == again
    assert fake_plaid.count("/item/public_token/exchange") == 1
    assert BankAccount.objects.count() == 2
    assert AuditEvent.objects.filter(action="banking.item.linked").count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"metadata": {"institution": {"institution_id": INSTITUTION}}},
        {"public_token": "access-sandbox-x", "metadata": {"institution": {"institution_id": INSTITUTION}}},
        {"public_token": "public-sandbox-x", "metadata": {}},
        {"public_token": "public-sandbox-x"},
        ["not", "an", "object"],
    ],
)
def test_bad_link_posts_are_refused_and_enqueue_nothing(client, body, capture_tasks):
    client.force_login(CustomerFactory().user)
    with capture_tasks() as callbacks:
        response = _post_link(client, body)
    assert response.status_code == 400
    assert callbacks == []


@pytest.mark.parametrize("configured", [True, False])
def test_bank_page_renders_when_plaid_is_unreachable(client, settings, configured):
    settings.PLAID_HOST = "http://127.0.0.1:9"
    if configured:
        settings.PLAID_CLIENT_ID = "id"
        settings.PLAID_SECRET = "secret"
    client.force_login(CustomerFactory().user)
    response = client.get("/bank/")
    assert response.status_code == 200
    assert b"unavailable right now" in response.content


def test_bank_page_offers_update_mode_for_an_item_needing_login(client, linked_item):
    item = linked_item()
    PlaidItem.objects.filter(pk=item.pk).update(status=PlaidItem.Status.NEEDS_UPDATE)
    client.force_login(item.customer.user)
    page = client.get("/bank/").content.decode()
    assert f'data-item="{item.pk}"' in page and "Update this connection" in page


def test_bank_page_is_for_customers_only(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get("/bank/").status_code == 403
    client.logout()
    assert client.get("/bank/").status_code == 302
