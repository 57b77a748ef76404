"""Gateway fees reach the ledger once per payment: Stripe's from the charge's balance
transaction (read through the SDK from the fake server), Braintree's service fee from
the settled transaction; and `payment_fee_record` for a fee that becomes known later."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import partial

import pytest

from fintech.models import AuditEvent
from ledger.models import JournalEntry, LedgerAccount
from ledger.selectors import journal_entry_totals, ledger_balances
from ledger.services.journal import PostingLine, journal_entry_post, ledger_account_get
from payments.errors import GatewayError, StateConflictError
from payments.models import Payment, WebhookDelivery
from payments.services.fees import fee_entry_key, payment_fee_record
from payments.tasks import apply_webhook_delivery
from tests.helpers import thread_race
from tests.payments.braintree_helpers import deliver as deliver_braintree
from tests.payments.braintree_helpers import submitted_braintree_payment
from tests.payments.conftest import deliver, post_event, signed_headers
from tests.payments.test_webhook_concurrency import THREADS, _post

FEES, CLEARING, CUSTOMERS = LedgerAccount.FEES, LedgerAccount.GATEWAY_CLEARING, LedgerAccount.CUSTOMER_BALANCES


def fee_entries() -> list[JournalEntry]:
    return list(JournalEntry.objects.filter(idempotency_key__startswith="gateway-fee-"))


def fee_audits(payment: Payment) -> int:
    return AuditEvent.objects.filter(action="payments.payment.fee_recorded", target_id=str(payment.pk)).count()


# --- Stripe ------------------------------------------------------------------------
@pytest.mark.django_db
def test_stripe_fee_is_posted_with_the_success_from_the_balance_transaction(client, fake_stripe, submitted_payment):
    # given: Stripe prices cards at 2.9% + 30 and settles the charge to our balance at once
    fake_stripe.charge_fees(percent="2.9", fixed=30)
    payment = submitted_payment(2500, "EUR")
    intent = fake_stripe.payment_intent_set_status(payment.gateway_reference, "succeeded")
    # when
    assert deliver(client, fake_stripe.event("payment_intent.succeeded", intent)) == "applied"
    # then: 2.9% of 2500 = 72.5 -> 73, + 30 = 103
    payment.refresh_from_db()
    [entry] = fee_entries()
    assert entry.idempotency_key == f"gateway-fee-{payment.gateway_charge_reference}"
    assert journal_entry_totals(entry=entry) == {"EUR": 0}
    assert sorted(entry.postings.values_list("account__code", "amount")) == [(FEES, 103), (CLEARING, -103)]
    assert ledger_balances(currency="EUR") == {
        (CLEARING, "EUR"): 2500 - 103,
        (CUSTOMERS, "EUR"): -2500,
        (FEES, "EUR"): 103,
    }
    assert fee_audits(payment) == 1
    txn = fake_stripe.objects[intent["latest_charge"]]["balance_transaction"]
    assert fake_stripe.count("GET", f"/v1/balance_transactions/{txn}") == 1


@pytest.mark.django_db
def test_stripe_fee_is_posted_once_whatever_the_redeliveries(client, fake_stripe, submitted_payment):
    fake_stripe.charge_fees()
    payment = submitted_payment(10_000, "USD")
    intent = fake_stripe.payment_intent_set_status(payment.gateway_reference, "succeeded")
    event = fake_stripe.event("payment_intent.succeeded", intent)
    assert deliver(client, event) == "applied"
    # when: the same event again, a different event with the same news, and charge.updated
    assert post_event(client, event).json()["duplicate"] is True
    assert deliver(client, fake_stripe.event("payment_intent.succeeded", intent)) == "ignored"
    charge = fake_stripe.objects[intent["latest_charge"]]
    assert deliver(client, fake_stripe.event("charge.updated", charge)) == "ignored"
    # then
    assert len(fee_entries()) == 1
    assert ledger_balances(currency="USD")[(FEES, "USD")] == 320  # 290 + 30
    assert fee_audits(payment) == 1


@pytest.mark.django_db
def test_fee_unknown_at_success_is_posted_once_when_charge_updated_reports_it(client, fake_stripe, submitted_payment):
    # given: no balance transaction yet when the payment succeeds
    payment = submitted_payment(4000, "EUR")
    intent = fake_stripe.payment_intent_set_status(payment.gateway_reference, "succeeded")
    assert deliver(client, fake_stripe.event("payment_intent.succeeded", intent)) == "applied"
    assert fee_entries() == []
    assert ledger_balances(currency="EUR")[(CLEARING, "EUR")] == 4000
    # when: Stripe settles the charge and says so with charge.updated (twice)
    fake_stripe.charge_settles(intent["latest_charge"], fee=146)
    charge = fake_stripe.objects[intent["latest_charge"]]
    assert deliver(client, fake_stripe.event("charge.updated", charge)) == "applied"
    assert deliver(client, fake_stripe.event("charge.updated", charge)) == "ignored"
    # then
    [entry] = fee_entries()
    assert entry.idempotency_key == fee_entry_key(intent["latest_charge"])
    assert ledger_balances(currency="EUR") == {
        (CLEARING, "EUR"): 4000 - 146,
        (CUSTOMERS, "EUR"): -4000,
        (FEES, "EUR"): 146,
    }
    payment.refresh_from_db()
    assert fee_audits(payment) == 1


@pytest.mark.django_db
def test_converted_charge_books_the_fee_in_the_balance_currency_with_its_rate(client, fake_stripe, submitted_payment):
    # given: a EUR charge settled to a USD balance at 1.1
    fake_stripe.charge_fees(percent="2.9", fixed=30, balance_currency="usd", exchange_rate="1.1")
    payment = submitted_payment(2500, "EUR")
    intent = fake_stripe.payment_intent_set_status(payment.gateway_reference, "succeeded")
    # when
    assert deliver(client, fake_stripe.event("payment_intent.succeeded", intent)) == "applied"
    # then: 2750 USD gross, fee round(79.75) + 30 = 110 USD; each currency balances on its own
    [entry] = fee_entries()
    assert journal_entry_totals(entry=entry) == {"USD": 0}
    assert ledger_balances(currency="USD") == {(FEES, "USD"): 110, (CLEARING, "USD"): -110}
    assert ledger_balances(currency="EUR") == {(CLEARING, "EUR"): 2500, (CUSTOMERS, "EUR"): -2500}
    audit = AuditEvent.objects.get(action="payments.payment.fee_recorded")
    assert (audit.after["fee"], audit.after["currency"], audit.after["exchange_rate"]) == (110, "USD", "1.1")


@pytest.mark.django_db
def test_a_failed_payment_reads_no_fee(client, fake_stripe, submitted_payment):
    fake_stripe.charge_fees()
    payment = submitted_payment()
    intent = fake_stripe.payment_intent_set_status(payment.gateway_reference, "requires_payment_method")
    assert deliver(client, fake_stripe.event("payment_intent.payment_failed", intent)) == "applied"
    assert fee_entries() == [] and not JournalEntry.objects.exists()
    assert not [path for _, path, _ in fake_stripe.requests if path.startswith("/v1/charges/")]


@pytest.mark.django_db(transaction=True)
def test_success_and_charge_updated_racing_post_the_fee_once(fake_stripe, submitted_payment, eager_tasks):
    # given: the charge is settled; several success and charge.updated events race
    payment = submitted_payment(2500, "EUR")
    intent = fake_stripe.payment_intent_set_status(payment.gateway_reference, "succeeded")
    fake_stripe.charge_settles(intent["latest_charge"], fee=103)
    charge = fake_stripe.objects[intent["latest_charge"]]
    bodies = [
        json.dumps(
            fake_stripe.event("payment_intent.succeeded" if i % 2 else "charge.updated", intent if i % 2 else charge)
        )
        for i in range(THREADS)
    ]
    # when
    statuses = thread_race([partial(_post, body, signed_headers(body)) for body in bodies])
    # then: every delivery settles (a charge.updated before the success is ignored: the success reads the fee)
    assert statuses == [200] * THREADS
    for delivery in WebhookDelivery.objects.all():  # anything not applied yet is applied now
        apply_webhook_delivery(delivery.pk)
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) <= {"applied", "ignored"}
    assert len(fee_entries()) == 1
    assert ledger_balances(currency="EUR")[(FEES, "EUR")] == 103
    assert fee_audits(payment) == 1


# --- the service -------------------------------------------------------------------
@pytest.mark.django_db
def test_payment_fee_record_is_idempotent_and_refuses_what_is_not_the_payments_fee(
    client, fake_stripe, submitted_payment
):
    payment = submitted_payment(2500, "EUR")
    with pytest.raises(StateConflictError):  # not succeeded: no fee yet
        payment_fee_record(payment=payment, fee_minor=50, currency="EUR", source_reference="ch_x")
    intent = fake_stripe.payment_intent_set_status(payment.gateway_reference, "succeeded")
    deliver(client, fake_stripe.event("payment_intent.succeeded", intent))
    payment.refresh_from_db()
    charge = payment.gateway_charge_reference
    with pytest.raises(GatewayError):  # another charge's fee is not this payment's
        payment_fee_record(payment=payment, fee_minor=50, currency="EUR", source_reference="ch_other")
    with pytest.raises(ValueError):
        payment_fee_record(payment=payment, fee_minor=-5, currency="EUR", source_reference=charge)
    assert payment_fee_record(payment=payment, fee_minor=0, currency="EUR", source_reference=charge) is None
    # when
    first = payment_fee_record(
        payment=payment, fee_minor=88, currency="EUR", source_reference=charge, exchange_rate=Decimal("1")
    )
    again = payment_fee_record(payment=payment, fee_minor=88, currency="EUR", source_reference=charge)
    # then
    assert first is not None and again == first
    assert len(fee_entries()) == 1 and ledger_balances(currency="EUR")[(FEES, "EUR")] == 88
    assert fee_audits(payment) == 1


@pytest.mark.django_db
def test_a_fee_booked_by_reconciliation_first_is_not_booked_again(client, fake_stripe, submitted_payment):
    # given: the reconciliation resolved a missing fee with an adjusting entry under the same key
    payment = submitted_payment(2500, "EUR")
    intent = fake_stripe.payment_intent_set_status(payment.gateway_reference, "succeeded")
    deliver(client, fake_stripe.event("payment_intent.succeeded", intent))
    payment.refresh_from_db()
    journal_entry_post(
        lines=[
            PostingLine(ledger_account_get(code=FEES, currency="EUR"), 103),
            PostingLine(ledger_account_get(code=CLEARING, currency="EUR"), -103),
        ],
        description="Reconciliation adjustment: fee",
        idempotency_key=fee_entry_key(intent["latest_charge"]),
    )
    # when: the fee becomes known through charge.updated
    fake_stripe.charge_settles(intent["latest_charge"], fee=103)
    status = deliver(client, fake_stripe.event("charge.updated", fake_stripe.objects[intent["latest_charge"]]))
    # then
    assert status == "ignored"
    assert len(fee_entries()) == 1 and ledger_balances(currency="EUR")[(FEES, "EUR")] == 103
    assert fee_audits(payment) == 0


# --- Braintree ---------------------------------------------------------------------
@pytest.mark.django_db
def test_braintree_service_fee_is_posted_once_at_settlement(client, fake_braintree):
    payment = submitted_braintree_payment(fake_braintree, 2500, "EUR")
    fake_braintree.settle(payment.gateway_reference, service_fee="0.85")
    # when: the settlement is notified, then notified again
    assert deliver_braintree(client, "transaction_settled", payment.gateway_reference) == "applied"
    deliver_braintree(client, "transaction_settled", payment.gateway_reference)
    # then
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    [entry] = fee_entries()
    assert entry.idempotency_key == f"gateway-fee-{payment.gateway_reference}"
    assert sorted(entry.postings.values_list("account__code", "amount")) == [(FEES, 85), (CLEARING, -85)]
    assert ledger_balances(currency="EUR") == {
        (CLEARING, "EUR"): 2500 - 85,
        (CUSTOMERS, "EUR"): -2500,
        (FEES, "EUR"): 85,
    }
    assert fee_audits(payment) == 1


@pytest.mark.django_db
def test_braintree_settlement_without_a_fee_posts_none(client, fake_braintree):
    payment = submitted_braintree_payment(fake_braintree, 1200, "USD")
    fake_braintree.settle(payment.gateway_reference)
    assert deliver_braintree(client, "transaction_settled", payment.gateway_reference) == "applied"
    assert fee_entries() == []
    assert ledger_balances(currency="USD") == {(CLEARING, "USD"): 1200, (CUSTOMERS, "USD"): -1200}
