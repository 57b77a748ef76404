"""Applying stored Stripe deliveries (the Celery task's body, run synchronously)."""

from __future__ import annotations

import pytest
from django.db import transaction

from fintech.events import publish_transaction_event
from fintech.models import AuditEvent, OutboxMessage
from ledger.models import JournalEntry, LedgerAccount
from ledger.selectors import journal_entry_totals, ledger_balances
from payments.errors import GatewayUnavailableError
from payments.models import Dispute, Payment, Payout, Refund, WebhookDelivery
from payments.tasks import apply_webhook_delivery
from tests.payments.conftest import deliver, post_event


def audit_actions(target) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_type=target._meta.label, target_id=str(target.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


@pytest.mark.django_db
def test_payment_succeeded_moves_state_posts_a_balanced_entry_audits_and_publishes(
    client, fake_stripe, submitted_payment, published, eager_tasks, relay
):
    # given
    payment = submitted_payment(2500, "EUR")
    intent = fake_stripe.payment_intent_set_status(payment.gateway_reference, "succeeded")
    # when (the relay sends the outbox: the apply task, eagerly, finds the delivery applied)
    status = deliver(client, fake_stripe.event("payment_intent.succeeded", intent))
    messages = list(OutboxMessage.objects.order_by("pk").values_list("kind", "destination"))
    relay()
    # then
    assert status == WebhookDelivery.Status.APPLIED
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.gateway_charge_reference == intent["latest_charge"]
    entry = JournalEntry.objects.get(idempotency_key=f"payment-{payment.pk}-succeeded")
    assert journal_entry_totals(entry=entry) == {"EUR": 0}
    assert ledger_balances(currency="EUR") == {("gateway_clearing", "EUR"): 2500, ("customer_balances", "EUR"): -2500}
    assert audit_actions(payment) == [
        "payments.payment.created",
        "payments.payment.submitted",
        "payments.payment.succeeded",
    ]
    event = AuditEvent.objects.get(action="payments.payment.succeeded")
    assert (event.before["status"], event.after["status"]) == ("pending", "succeeded")
    assert audit_actions(WebhookDelivery.objects.get()) == ["payments.webhook_delivery.applied"]
    # the apply task (recorded with the delivery) and the transaction event (with the payment)
    assert messages == [("task", "payments.apply_webhook_delivery"), ("stream", "transactions")]
    assert [(e["kind"], e["amount"], e["currency"], e["direction"]) for e in published] == [
        ("payment", 2500, "EUR", "in")
    ]


@pytest.mark.django_db
def test_same_event_many_times_and_a_second_event_for_the_same_change_have_one_effect(
    client, fake_stripe, submitted_payment
):
    payment = submitted_payment()
    intent = fake_stripe.payment_intent_set_status(payment.gateway_reference, "succeeded")
    event = fake_stripe.event("payment_intent.succeeded", intent)
    assert deliver(client, event) == "applied"
    # the same delivery again (Stripe retries), and the task run twice (late ack)
    assert deliver(client, event) == "applied"
    assert apply_webhook_delivery(WebhookDelivery.objects.get(event_key=event["id"]).pk) == "applied"
    # a different event reporting the same change
    assert deliver(client, fake_stripe.event("payment_intent.succeeded", intent)) == "ignored"
    assert WebhookDelivery.objects.count() == 2
    assert JournalEntry.objects.count() == 1
    assert AuditEvent.objects.filter(action="payments.payment.succeeded").count() == 1
    assert AuditEvent.objects.filter(action="payments.webhook_delivery.ignored").count() == 1


@pytest.mark.django_db
def test_refund_delivered_before_success_refetches_the_intent_and_ends_right(client, fake_stripe, submitted_payment):
    # given: at the gateway the payment succeeded and was partly refunded...
    payment = submitted_payment(2500, "EUR")
    intent = fake_stripe.payment_intent_set_status(payment.gateway_reference, "succeeded")
    refund = fake_stripe.refund(payment.gateway_reference, 1000)
    charge = fake_stripe.objects[intent["latest_charge"]]
    # ...but the refund's event arrives first
    assert deliver(client, fake_stripe.event("charge.refunded", charge)) == "applied"
    assert fake_stripe.count("GET", f"/v1/payment_intents/{payment.gateway_reference}") == 1
    # and the success arrives late
    assert deliver(client, fake_stripe.event("payment_intent.succeeded", intent)) == "ignored"
    # then
    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded) == (Payment.Status.SUCCEEDED, 1000)
    assert Refund.objects.get().gateway_reference == refund["id"]
    assert ledger_balances(currency="EUR") == {
        ("gateway_clearing", "EUR"): 1500,
        ("customer_balances", "EUR"): -1500,
    }
    assert audit_actions(payment) == [
        "payments.payment.created",
        "payments.payment.submitted",
        "payments.payment.succeeded",
        "payments.payment.refunded",
    ]
    assert audit_actions(Refund.objects.get()) == ["payments.refund.succeeded"]


@pytest.mark.django_db
def test_cumulative_refunds_out_of_order_converge(client, fake_stripe, submitted_payment):
    payment = submitted_payment(2500, "EUR")
    intent = fake_stripe.payment_intent_set_status(payment.gateway_reference, "succeeded")
    deliver(client, fake_stripe.event("payment_intent.succeeded", intent))
    fake_stripe.refund(payment.gateway_reference, 500)
    older = fake_stripe.event("charge.refunded", fake_stripe.objects[intent["latest_charge"]])
    fake_stripe.refund(payment.gateway_reference, 700)
    newer = fake_stripe.event("charge.refunded", fake_stripe.objects[intent["latest_charge"]])
    assert deliver(client, newer) == "applied"
    assert deliver(client, older) == "ignored"
    payment.refresh_from_db()
    assert payment.amount_refunded == 1200
    assert sorted(Refund.objects.values_list("amount", flat=True)) == [500, 700]
    assert ledger_balances(currency="EUR")[("customer_balances", "EUR")] == -2500 + 1200
    assert AuditEvent.objects.filter(action="payments.refund.succeeded").count() == 2


@pytest.mark.django_db
def test_failed_attempt_then_success_and_a_late_processing_event(client, fake_stripe, submitted_payment):
    payment = submitted_payment()
    failed = fake_stripe.payment_intent_set_status(payment.gateway_reference, "requires_payment_method")
    failed["last_payment_error"] = {"message": "Your card was declined."}
    processing = fake_stripe.payment_intent_set_status(payment.gateway_reference, "processing")
    assert deliver(client, fake_stripe.event("payment_intent.payment_failed", failed)) == "applied"
    payment.refresh_from_db()
    assert (payment.status, payment.failure_reason) == ("failed", "Your card was declined.")
    succeeded = fake_stripe.payment_intent_set_status(payment.gateway_reference, "succeeded")
    assert deliver(client, fake_stripe.event("payment_intent.succeeded", succeeded)) == "applied"
    assert deliver(client, fake_stripe.event("payment_intent.processing", processing)) == "ignored"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert audit_actions(payment)[-2:] == ["payments.payment.failed", "payments.payment.succeeded"]
    assert JournalEntry.objects.count() == 1


@pytest.mark.django_db
def test_canceled_payment_moves_no_money(client, fake_stripe, submitted_payment):
    payment = submitted_payment()
    intent = fake_stripe.payment_intent_set_status(payment.gateway_reference, "canceled")
    assert deliver(client, fake_stripe.event("payment_intent.canceled", intent)) == "applied"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.CANCELED
    assert audit_actions(payment)[-1] == "payments.payment.canceled"
    assert not JournalEntry.objects.exists()


@pytest.mark.django_db
def test_unhandled_and_unknown_events_are_stored_and_ignored(client, fake_stripe):
    plan = fake_stripe.event("plan.created", fake_stripe.shapes["event"]["data"]["object"])
    stranger = fake_stripe.event("payment_intent.succeeded", dict(fake_stripe.shapes["payment_intent"], metadata={}))
    assert deliver(client, plan) == "ignored"
    assert deliver(client, stranger) == "ignored"
    assert AuditEvent.objects.filter(action="payments.webhook_delivery.ignored").count() == 2
    assert not Payment.objects.exists()
    assert not JournalEntry.objects.exists()


@pytest.mark.django_db
def test_dispute_lifecycle_moves_funds_once_each_way(client, fake_stripe, submitted_payment):
    payment = submitted_payment(2500, "EUR")
    intent = fake_stripe.payment_intent_set_status(payment.gateway_reference, "succeeded")
    deliver(client, fake_stripe.event("payment_intent.succeeded", intent))
    dispute = fake_stripe.object(
        "dispute",
        amount=2500,
        currency="eur",
        charge=intent["latest_charge"],
        payment_intent=intent["id"],
        status="needs_response",
    )
    assert deliver(client, fake_stripe.event("charge.dispute.created", dispute)) == "applied"
    withdrawn = fake_stripe.event("charge.dispute.funds_withdrawn", dispute)
    assert deliver(client, withdrawn) == "applied"
    assert deliver(client, fake_stripe.event("charge.dispute.funds_withdrawn", dispute)) == "ignored"
    assert ledger_balances(currency="EUR")[("customer_balances", "EUR")] == -2500 + 2500
    assert deliver(client, fake_stripe.event("charge.dispute.funds_reinstated", dispute)) == "applied"
    assert deliver(client, fake_stripe.event("charge.dispute.closed", dict(dispute, status="won"))) == "applied"
    record = Dispute.objects.get()
    assert (record.payment_id, record.funds_state, record.status) == (payment.pk, "reinstated", "won")
    assert ledger_balances(currency="EUR")[("customer_balances", "EUR")] == -2500
    assert ledger_balances(currency="EUR")[("gateway_clearing", "EUR")] == 2500
    assert audit_actions(record) == [
        "payments.dispute.opened",
        "payments.dispute.funds_withdrawn",
        "payments.dispute.funds_reinstated",
        "payments.dispute.closed",
    ]


@pytest.mark.django_db
def test_reinstatement_before_withdrawal_nets_to_nothing(client, fake_stripe):
    dispute = fake_stripe.object("dispute", amount=800, currency="usd", charge="ch_elsewhere", payment_intent=None)
    assert deliver(client, fake_stripe.event("charge.dispute.funds_reinstated", dispute)) == "applied"
    assert deliver(client, fake_stripe.event("charge.dispute.funds_withdrawn", dispute)) == "ignored"
    assert Dispute.objects.get().funds_state == Dispute.FundsState.REINSTATED
    assert not JournalEntry.objects.exists()


@pytest.mark.django_db
def test_payout_paid_then_failed_is_reversed(client, fake_stripe):
    payout = fake_stripe.object("payout", amount=1100, currency="usd", status="paid")
    assert deliver(client, fake_stripe.event("payout.paid", payout)) == "applied"
    assert deliver(client, fake_stripe.event("payout.paid", payout)) == "ignored"
    assert ledger_balances(currency="USD") == {("payouts", "USD"): 1100, ("gateway_clearing", "USD"): -1100}
    failed = dict(payout, status="failed", failure_message="account closed")
    assert deliver(client, fake_stripe.event("payout.failed", failed)) == "applied"
    record = Payout.objects.get()
    assert (record.status, record.failure_reason) == ("failed", "account closed")
    assert ledger_balances(currency="USD") == {("payouts", "USD"): 0, ("gateway_clearing", "USD"): 0}
    paid = JournalEntry.objects.get(idempotency_key=f"payout-{record.pk}-paid")
    assert paid.reversed_by.description.startswith("Payout")
    assert audit_actions(record) == ["payments.payout.recorded", "payments.payout.paid", "payments.payout.failed"]


@pytest.mark.django_db
def test_transient_gateway_error_writes_nothing_and_the_retry_applies(client, fake_stripe, submitted_payment):
    payment = submitted_payment()
    intent = fake_stripe.payment_intent_set_status(payment.gateway_reference, "succeeded")
    fake_stripe.refund(payment.gateway_reference, 300)
    post_event(client, fake_stripe.event("charge.refunded", fake_stripe.objects[intent["latest_charge"]]))
    delivery = WebhookDelivery.objects.get()
    fake_stripe.fail_next(3, status=503)  # the SDK's own two retries, then us
    # when: the task body meets a gateway outage (Celery retries it: GatewayUnavailableError is transient)
    assert GatewayUnavailableError in apply_webhook_delivery.autoretry_for
    with pytest.raises(GatewayUnavailableError):
        apply_webhook_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.RECEIVED
    assert not JournalEntry.objects.exists()
    # then the retry succeeds
    assert apply_webhook_delivery(delivery.pk) == "applied"
    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded) == ("succeeded", 300)


@pytest.mark.django_db
def test_permanent_problem_marks_the_delivery_failed_with_an_audit_event(client, fake_stripe, submitted_payment):
    # a refund for a payment the gateway itself still reports as unpaid: nothing sensible to apply
    payment = submitted_payment()
    charge = fake_stripe.object(
        "charge", amount=payment.amount, currency="eur", amount_refunded=100, payment_intent=payment.gateway_reference
    )
    assert deliver(client, fake_stripe.event("charge.refunded", charge)) == "failed"
    delivery = WebhookDelivery.objects.get()
    assert "StateConflictError" in delivery.error
    event = AuditEvent.objects.get(action="payments.webhook_delivery.failed")
    assert event.outcome == "failure"
    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded) == ("pending", 0)
    assert not JournalEntry.objects.exists()


def test_task_is_declared_safe_for_late_acks():
    assert apply_webhook_delivery.name == "payments.apply_webhook_delivery"
    assert apply_webhook_delivery.acks_late is True
    assert apply_webhook_delivery.reject_on_worker_lost is True
    assert apply_webhook_delivery.max_retries == 8
    assert LedgerAccount.GATEWAY_CLEARING in LedgerAccount.STANDARD_KINDS


@pytest.mark.django_db
def test_a_stored_delivery_is_applied_when_the_relay_sends_its_task(
    client, fake_stripe, submitted_payment, eager_tasks, relay
):
    payment = submitted_payment()
    intent = fake_stripe.payment_intent_set_status(payment.gateway_reference, "succeeded")
    post_event(client, fake_stripe.event("payment_intent.succeeded", intent))  # stored: nothing applied yet
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.RECEIVED
    assert relay() >= 1
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.APPLIED
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED


@pytest.mark.django_db
def test_the_transaction_event_is_recorded_in_the_writers_transaction(published):
    kwargs = {
        "source": "payments",
        "kind": "payment",
        "reference": "payment:1",
        "amount": 100,
        "currency": "EUR",
        "customer_id": 7,
        "occurred_at": "2026-01-01T00:00:00+00:00",
        "direction": "in",
    }
    with pytest.raises(RuntimeError), transaction.atomic():
        publish_transaction_event(**kwargs)
        raise RuntimeError("rolled back")
    assert published == []
    with transaction.atomic():
        publish_transaction_event(**kwargs)
        publish_transaction_event(**{**kwargs, "reference": "payment:2", "customer_id": None})  # no customer
    # the counterparty fields are always there, empty when the caller does not know them
    assert published == [
        {**kwargs, "channel": "", "counterparty_name": "", "counterparty_account": "", "counterparty_country": ""}
    ]


@pytest.mark.django_db
def test_refund_above_the_payment_amount_fails_the_delivery_and_moves_nothing(client, fake_stripe, submitted_payment):
    payment = submitted_payment(2500, "EUR")
    intent = fake_stripe.payment_intent_set_status(payment.gateway_reference, "succeeded")
    deliver(client, fake_stripe.event("payment_intent.succeeded", intent))
    charge = dict(fake_stripe.objects[intent["latest_charge"]], amount_refunded=2501)
    assert deliver(client, fake_stripe.event("charge.refunded", charge)) == "failed"
    payment.refresh_from_db()
    assert payment.amount_refunded == 0
    assert JournalEntry.objects.count() == 1
    assert AuditEvent.objects.filter(action="payments.webhook_delivery.failed").count() == 1


@pytest.mark.django_db
def test_a_requested_payment_is_submitted_when_its_outbox_message_is_sent(fake_stripe, eager_tasks, relay):
    from payments.services.payments import payment_request
    from tests.factories import CustomerFactory

    payment = payment_request(customer=CustomerFactory(), amount=1200, currency="EUR")
    payment.refresh_from_db()
    assert payment.gateway_reference is None  # recorded, not sent: nothing ran in the request
    assert OutboxMessage.objects.filter(destination="payments.submit_payment", sent_at__isnull=True).count() == 1
    relay()
    payment.refresh_from_db()
    assert payment.gateway_reference and payment.gateway_reference.startswith("pi_")
    assert relay() == 0  # sent once
