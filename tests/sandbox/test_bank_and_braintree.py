"""The sandbox's bank Link and Braintree settlement, through the real SDKs and endpoints."""

from __future__ import annotations

import json

import pytest
import requests

from banking.models import BankTransaction, PlaidWebhookEvent
from banking.services.items import item_link_exchange
from banking.services.sync import item_transactions_sync
from ledger.models import JournalEntry, LedgerAccount
from payments.models import Payment
from payments.services.braintree_payments import braintree_payment_request, braintree_sale_submit
from payments.services.fees import fee_entry_key
from sandbox.in_process import deliver_in_process
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _link(sandbox, body: dict) -> tuple[int, dict]:
    """What the Link stand-in posts from the customer's browser (text/plain: no preflight)."""
    response = requests.post(
        f"{sandbox.plaid.url}/sandbox/link/complete",
        data=json.dumps(body),
        headers={"Content-Type": "text/plain"},
        timeout=10,
    )
    return response.status_code, response.json()


def test_a_bank_linked_through_the_sandbox_link_is_exchanged_and_its_transactions_sync(sandbox):
    customer = CustomerFactory(legal_name="Katherine Johnson")
    status, linked = _link(sandbox, {"institution_id": "ins_109512", "owner_name": "Katherine Johnson"})
    assert status == 200 and linked["metadata"]["institution"]["name"] == "Houndstooth Bank"
    item = item_link_exchange(
        customer_id=customer.pk, public_token=linked["public_token"], link_institution_id="ins_109512"
    )
    assert item.institution_name == "Houndstooth Bank" and item.accounts.count() == 2
    assert item.accounts.first().owner_names == ["Katherine Johnson"]
    # the sandbox tells the shop, by a signed webhook, that the item's transactions are ready
    sandbox.poster.drain(deliver_in_process)
    assert PlaidWebhookEvent.objects.get(webhook_code="SYNC_UPDATES_AVAILABLE").status == "applied"
    item_transactions_sync(item_id=item.pk)  # the sync task that webhook enqueues
    deposit = BankTransaction.objects.get(name="Cash deposit")
    assert (deposit.amount, deposit.currency) == (-950_000, "USD")


def test_the_sandbox_link_refuses_an_unknown_institution(sandbox):
    status, body = _link(sandbox, {"institution_id": "ins_nowhere", "owner_name": "Katherine Johnson"})
    assert status == 400 and body["error_code"] == "INVALID_FIELD"
    assert sandbox.plaid.items == {}


def test_a_braintree_sale_settles_in_the_sandbox_and_its_signed_notification_books_the_fee(sandbox):
    payment = braintree_payment_request(
        customer=CustomerFactory(), amount=6_000, currency="USD", nonce="fake-valid-nonce"
    )
    braintree_sale_submit(payment_id=payment.pk, nonce="fake-valid-nonce")
    sandbox.poster.drain(deliver_in_process)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    fee = JournalEntry.objects.get(idempotency_key=fee_entry_key(payment.gateway_charge_reference))
    assert sorted(fee.postings.values_list("account__code", "amount")) == sorted(
        [(LedgerAccount.FEES, 204), (LedgerAccount.GATEWAY_CLEARING, -204)]
    )  # 2.59% of 60.00, plus 0.49
