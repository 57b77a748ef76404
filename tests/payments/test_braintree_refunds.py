"""Braintree refunds reach the ledger: the refund service (and the API and admin doors
that call it) records the credit the gateway answers with, once, whatever the retries."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from freezegun import freeze_time

from fintech import roles
from fintech.models import AuditEvent
from ledger.models import JournalEntry, LedgerAccount, LedgerHold
from ledger.selectors import available_balance, journal_entry_totals, ledger_balances
from payments.errors import GatewayError, GatewayUnavailableError
from payments.gateways import braintree_adapter
from payments.models import Payment, Refund
from payments.services.payments import payment_transition
from payments.services.refunds import RefundInProgressError, payment_refund, refund_request, refund_submit
from tests.factories import PASSWORD, make_staff
from tests.helpers import admin_login, api_client_for, current_totp, thread_race
from tests.payments.braintree_helpers import deliver, submitted_braintree_payment
from tests.payments.test_webhook_concurrency import THREADS

CLEARING, CUSTOMERS = LedgerAccount.GATEWAY_CLEARING, LedgerAccount.CUSTOMER_BALANCES


@pytest.fixture
def settled(client, fake_braintree):
    """A succeeded EUR 25.00 Braintree payment (its sale settled and notified)."""
    payment = submitted_braintree_payment(fake_braintree, 2500, "EUR")
    fake_braintree.settle(payment.gateway_reference)
    assert deliver(client, "transaction_settled", payment.gateway_reference) == "applied"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    return payment


def credits(fake_braintree, sale: str) -> list[dict]:
    return [
        t
        for t in fake_braintree.transactions.values()
        if t["type"] == "credit" and t["refunded_transaction_id"] == sale
    ]


def refund_entries() -> list[JournalEntry]:
    return list(JournalEntry.objects.filter(idempotency_key__contains="-refunded-to-"))


def audits(action: str, target) -> int:
    return AuditEvent.objects.filter(action=action, target_type=target._meta.label, target_id=str(target.pk)).count()


@pytest.mark.django_db
def test_refund_is_recorded_from_the_gateways_answer_once(
    fake_braintree, settled, published, django_capture_on_commit_callbacks
):
    # when (committed: the transaction event is sent after commit)
    with django_capture_on_commit_callbacks(execute=True):
        refund = payment_refund(payment=settled, amount=1000, reason="customer asked")
        again = refund_submit(refund=refund)  # a retry after, say, a timeout
    # then: one credit at the gateway, the refund succeeded here, its money in the ledger once
    [credit] = credits(fake_braintree, settled.gateway_reference)
    assert (credit["amount"], credit["order_id"]) == ("10.00", f"refund-{refund.pk}-create")
    refund.refresh_from_db()
    settled.refresh_from_db()
    assert (refund.status, refund.gateway_reference) == (Refund.Status.SUCCEEDED, credit["id"])
    assert again.status == Refund.Status.SUCCEEDED
    assert settled.amount_refunded == 1000
    [entry] = refund_entries()
    assert entry.idempotency_key == f"payment-{settled.pk}-refunded-to-1000"
    assert journal_entry_totals(entry=entry) == {"EUR": 0}
    assert ledger_balances(currency="EUR") == {(CLEARING, "EUR"): 1500, (CUSTOMERS, "EUR"): -1500}
    assert audits("payments.refund.succeeded", refund) == 1
    assert audits("payments.payment.refunded", settled) == 1
    assert [(e["kind"], e["amount"]) for e in published if e["kind"] == "refund"] == [("refund", 1000)]


@pytest.mark.django_db
def test_two_partial_refunds_add_up_and_the_rest_is_refused(fake_braintree, settled):
    first = payment_refund(payment=settled, amount=600)
    second = payment_refund(payment=settled, amount=1900)
    assert {first.status, second.status} == {Refund.Status.SUCCEEDED}
    settled.refresh_from_db()
    assert settled.amount_refunded == 2500
    assert sorted(e.idempotency_key for e in refund_entries()) == [
        f"payment-{settled.pk}-refunded-to-2500",
        f"payment-{settled.pk}-refunded-to-600",
    ]
    assert ledger_balances(currency="EUR")[(CLEARING, "EUR")] == 0
    with pytest.raises(Exception, match="0 EUR left"):
        payment_refund(payment=settled, amount=1)


@pytest.mark.django_db
def test_a_crash_after_the_gateway_refunded_is_recovered_by_submitting_again(fake_braintree, settled):
    # given: the credit was made at the gateway, but we crashed before recording its answer
    refund = refund_request(payment=settled, amount=700)
    braintree_adapter().refund_create(
        payment_intent=settled.gateway_reference, amount=700, idempotency_key=f"refund-{refund.pk}-create", metadata={}
    )
    assert Refund.objects.get(pk=refund.pk).status == Refund.Status.PENDING
    # when: the pending refund is submitted again (the same door a retry uses)
    same = refund_submit(refund=refund)
    # then: the adapter found the first credit; no second one, and the money is recorded once
    assert len(credits(fake_braintree, settled.gateway_reference)) == 1
    assert same.status == Refund.Status.SUCCEEDED
    assert len(refund_entries()) == 1
    assert Payment.objects.get(pk=settled.pk).amount_refunded == 700


@pytest.mark.django_db
def test_transient_gateway_failure_leaves_the_refund_pending_and_the_retry_records_it(fake_braintree, settled):
    refund = refund_request(payment=settled, amount=300)
    fake_braintree.fail_next(1, status=503)
    with pytest.raises(GatewayUnavailableError):
        refund_submit(refund=refund)
    assert Refund.objects.get(pk=refund.pk).status == Refund.Status.PENDING and not refund_entries()
    assert refund_submit(refund=refund).status == Refund.Status.SUCCEEDED
    assert len(refund_entries()) == 1


@pytest.mark.django_db
def test_refund_of_an_unsettled_sale_is_refused_and_marked_failed(client, fake_braintree):
    # given: succeeded here, but the fake still holds the sale as submitted (it refuses to refund it)
    payment = submitted_braintree_payment(fake_braintree, 900, "USD")
    assert payment_transition(payment=payment, to=Payment.Status.SUCCEEDED)  # the customer's balance credited
    payment.refresh_from_db()
    with pytest.raises(GatewayError):
        payment_refund(payment=payment, amount=900)
    refund = Refund.objects.get()
    assert refund.status == Refund.Status.FAILED
    assert audits("payments.refund.failed", refund) == 1
    assert not refund_entries() and Payment.objects.get(pk=payment.pk).amount_refunded == 0
    # the money held for the refund is the customer's again
    assert LedgerHold.objects.get().status == LedgerHold.Status.RELEASED
    assert available_balance(customer=payment.customer, currency="USD") == 900


@pytest.mark.django_db(transaction=True)
def test_the_same_refund_submitted_from_many_threads_is_recorded_once(client, fake_braintree, settled):
    refund = refund_request(payment=settled, amount=1200)
    # when
    results = thread_race([lambda: refund_submit(refund=Refund.objects.get(pk=refund.pk))] * THREADS)
    connection.close()
    # then: one credit at the gateway; each call returned the succeeded refund or was told
    # another request is submitting it (a 503 it may retry); the money moved once
    assert len(credits(fake_braintree, settled.gateway_reference)) == 1
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert all(isinstance(r, Refund) or isinstance(r, RefundInProgressError) for r in results), results
    assert any(isinstance(r, Refund) for r in results) and len(results) == THREADS
    assert len(refund_entries()) == 1
    assert Payment.objects.get(pk=settled.pk).amount_refunded == 1200
    assert audits("payments.refund.succeeded", refund) == 1


# --- the doors ---------------------------------------------------------------------
@pytest.mark.django_db
def test_api_refund_of_a_braintree_payment_reaches_the_ledger_once_per_key(fake_braintree, settled):
    operator, device = make_staff("payops", roles.PAYMENTS_OPERATIONS)
    api = api_client_for(operator)
    request = {"amount": 1000, "reason": "goodwill", "idempotency_key": "ticket-7"}
    url = f"/api/v1/payments/{settled.pk}/refunds/"
    first = api.post(url, request, format="json", HTTP_X_OTP_CODE=current_totp(device))
    with freeze_time(datetime.timedelta(seconds=device.step), tick=True):  # a retry, with the next code
        second = api.post(url, request, format="json", HTTP_X_OTP_CODE=current_totp(device))
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["status"] == "succeeded"
    assert len(credits(fake_braintree, settled.gateway_reference)) == 1
    assert len(refund_entries()) == 1
    refund = Refund.objects.get()
    assert AuditEvent.objects.get(action="payments.refund.requested", target_id=str(refund.pk)).actor_id == operator.pk


@pytest.mark.django_db
def test_admin_refund_action_refunds_a_braintree_payment_in_full(client, fake_braintree, settled):
    operator, device = make_staff("payops", roles.PAYMENTS_OPERATIONS)
    assert admin_login(client, operator, device, password=PASSWORD).status_code == 302
    form = {"action": "refund_in_full", "_selected_action": [settled.pk], "confirm": "yes"}
    assert client.post("/admin/payments/payment/", form).status_code == 302
    refund = Refund.objects.get()
    assert (refund.amount, refund.status) == (2500, Refund.Status.SUCCEEDED)
    assert Payment.objects.get(pk=settled.pk).amount_refunded == 2500
    assert ledger_balances(currency="EUR") == {(CLEARING, "EUR"): 0, (CUSTOMERS, "EUR"): 0}
    assert AuditEvent.objects.get(action="payments.refund.requested").actor_id == operator.pk
    assert AuditEvent.objects.get(action="payments.refund.submitted").actor_id == operator.pk
