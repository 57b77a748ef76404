"""The Braintree adapter over the real SDK, talking XML over HTTP to the fake gateway."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta

import pytest

from payments.errors import GatewayError, GatewayUnavailableError
from payments.gateways import braintree_adapter
from payments.gateways.braintree_records import BraintreeSettledTransaction


def test_client_token_is_generated_by_the_gateway(fake_braintree):
    token = braintree_adapter().client_token(customer_id="", currency="EUR")
    assert json.loads(base64.b64decode(token))["version"] == 2
    assert fake_braintree.count("POST", "/client_token") == 1


def test_wrong_credentials_are_refused(fake_braintree, settings):
    settings.BRAINTREE_PRIVATE_KEY = "not-the-key"
    with pytest.raises(GatewayError, match="credentials"):
        braintree_adapter().client_token()


def test_sale_with_a_nonce_is_submitted_for_settlement_in_the_currencys_merchant_account(fake_braintree):
    sale = braintree_adapter().transaction_sale(
        amount=1099, currency="EUR", order_id="payment-1", nonce=fake_braintree.nonce("card")
    )
    assert (sale.status, sale.amount, sale.currency, sale.order_id) == (
        "submitted_for_settlement",
        1099,
        "EUR",
        "payment-1",
    )
    stored = fake_braintree.transactions[sale.reference]
    assert (stored["amount"], stored["merchant_account_id"]) == ("10.99", "fake_eur")


def test_a_second_sale_with_the_same_order_id_returns_the_first(fake_braintree):
    gateway = braintree_adapter()
    first = gateway.transaction_sale(amount=500, currency="USD", order_id="payment-7", nonce=fake_braintree.nonce())
    again = gateway.transaction_sale(amount=500, currency="USD", order_id="payment-7", nonce=fake_braintree.nonce())
    assert again.reference == first.reference
    assert len(fake_braintree.sales()) == 1
    assert fake_braintree.count("POST", "/transactions") == 1


def test_paypal_vault_flow_customer_and_payment_method(fake_braintree):
    gateway = braintree_adapter()
    assert gateway.customer_ensure(customer_id="customer-9") == "customer-9"
    assert gateway.customer_ensure(customer_id="customer-9") == "customer-9"  # found, not created again
    assert fake_braintree.count("POST", "/customers") == 1
    method = gateway.payment_method_vault(customer_id="customer-9", nonce=fake_braintree.nonce("paypal"))
    assert method.kind == "paypal_account" and method.token in fake_braintree.payment_methods
    # a sale that vaults its PayPal account on success
    sale = gateway.transaction_sale(
        amount=2000,
        currency="USD",
        order_id="payment-2",
        customer_id="customer-9",
        nonce=fake_braintree.nonce("paypal"),
        store_in_vault=True,
    )
    assert sale.customer_id == "customer-9"
    assert fake_braintree.payment_methods[sale.payment_method_token]["kind"] == "paypal"
    # and a later sale from the vaulted method, without a nonce
    later = gateway.transaction_sale(
        amount=300, currency="USD", order_id="payment-3", payment_method_token=method.token
    )
    assert later.status == "submitted_for_settlement"


def test_a_used_or_unknown_nonce_is_a_gateway_refusal(fake_braintree):
    gateway = braintree_adapter()
    nonce = fake_braintree.nonce()
    gateway.transaction_sale(amount=100, currency="USD", order_id="payment-1", nonce=nonce)
    with pytest.raises(GatewayError, match="more than once"):
        gateway.transaction_sale(amount=100, currency="USD", order_id="payment-2", nonce=nonce)
    with pytest.raises(GatewayError, match="Unknown or expired"):
        gateway.transaction_sale(amount=100, currency="USD", order_id="payment-3", nonce="tokencc_bogus")


def test_a_processor_decline_returns_the_declined_transaction(fake_braintree):
    sale = braintree_adapter().transaction_sale(
        amount=100, currency="USD", order_id="payment-1", nonce="fake-processor-declined-visa-nonce"
    )
    assert (sale.status, sale.processor_response) == ("processor_declined", "Do Not Honor")


def test_find_refund_once_and_void(fake_braintree):
    gateway = braintree_adapter()
    sale = gateway.transaction_sale(amount=2500, currency="EUR", order_id="payment-1", nonce=fake_braintree.nonce())
    with pytest.raises(GatewayError, match="unless it is settled"):
        gateway.transaction_refund(reference=sale.reference, amount=500, currency="EUR", order_id="refund-1")
    fake_braintree.settle(sale.reference)
    assert gateway.transaction_find(reference=sale.reference).status == "settled"
    credit = gateway.transaction_refund(reference=sale.reference, amount=500, currency="EUR", order_id="refund-1")
    again = gateway.refund_create(payment_intent=sale.reference, amount=500, idempotency_key="refund-1", metadata={})
    assert (credit.type, credit.amount, credit.refunded_transaction) == ("credit", 500, sale.reference)
    assert again.reference == credit.reference
    assert len([t for t in fake_braintree.transactions.values() if t["type"] == "credit"]) == 1
    other = gateway.transaction_sale(amount=100, currency="USD", order_id="payment-2", nonce=fake_braintree.nonce())
    assert gateway.transaction_void(reference=other.reference).status == "voided"
    with pytest.raises(GatewayError, match="not found"):
        gateway.transaction_find(reference="nosuch")


def test_transient_failures_are_told_apart(fake_braintree):
    fake_braintree.fail_next(1, status=503)
    with pytest.raises(GatewayUnavailableError):
        braintree_adapter().client_token()
    fake_braintree.fail_next(1, status=500)
    with pytest.raises(GatewayUnavailableError):
        braintree_adapter().transaction_find(reference="x")


def test_unreachable_gateway_is_transient(monkeypatch, fake_braintree):
    fake_braintree.stop()
    with pytest.raises(GatewayUnavailableError):
        braintree_adapter().client_token()


def test_settled_transactions_in_a_date_range_are_read_lazily_a_page_at_a_time(fake_braintree):
    gateway = braintree_adapter()
    fake_braintree.page_size = 2
    day = date(2025, 3, 10)
    at = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
    refs = []
    for i in range(5):
        sale = gateway.transaction_sale(
            amount=1000 + i, currency="USD", order_id=f"payment-{i}", nonce=fake_braintree.nonce()
        )
        fake_braintree.settle(sale.reference, at=at + timedelta(minutes=i), service_fee="0.30" if i == 0 else None)
        refs.append(sale.reference)
    outside = gateway.transaction_sale(amount=9, currency="USD", order_id="payment-x", nonce=fake_braintree.nonce())
    fake_braintree.settle(outside.reference, at=at + timedelta(days=2))
    gateway.transaction_sale(amount=8, currency="USD", order_id="payment-y", nonce=fake_braintree.nonce())  # unsettled
    searches = fake_braintree.count("POST", "/advanced_search")
    # when
    records = gateway.settled_transactions(day, day + timedelta(days=1))
    first = next(records)
    # then: one page fetched so far
    assert fake_braintree.count("POST", "/advanced_search") == searches + 1
    assert first == BraintreeSettledTransaction(
        reference=refs[0],
        amount=1000,
        currency="USD",
        status="settled",
        settled_at=at,
        service_fee=30,
        type="sale",
        order_id="payment-0",
    )
    rest = list(records)
    assert [r.reference for r in rest] == refs[1:]
    assert all(r.service_fee is None for r in rest)
    assert fake_braintree.count("POST", "/advanced_search") == searches + 3


def test_settled_transactions_of_an_empty_range(fake_braintree):
    assert list(braintree_adapter().settled_transactions(date(2020, 1, 1), date(2020, 1, 1))) == []
