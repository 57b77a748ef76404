"""A refund the gateway accepted and then failed (Stripe's `charge.refund.updated` or
`refund.failed`, e.g. the card was closed): the customer's held money is theirs again."""

from __future__ import annotations

import copy

import pytest

from fintech.models import AuditEvent
from ledger.models import LedgerHold
from ledger.selectors import available_balance
from payments.models import Payment, Refund, WebhookDelivery
from payments.services.payments import refund_hold_reference
from payments.services.refunds import payment_refund
from tests.payments.conftest import deliver

pytestmark = pytest.mark.django_db


def _gateway_refund(fake_stripe, refund: Refund, **changes) -> dict:
    found = copy.deepcopy(fake_stripe.objects[refund.gateway_reference])
    found.update(changes)
    return found


def _balance(payment: Payment) -> int:
    return available_balance(customer=payment.customer, currency=payment.currency)


def test_a_pending_refund_the_gateway_fails_fails_here_and_releases_its_hold(client, fake_stripe, paid_payment):
    # given a refund the gateway accepted, its money held on the customer's balance
    before = _balance(paid_payment)
    refund = payment_refund(payment=paid_payment, amount=1000)
    assert refund.status == Refund.Status.PENDING and _balance(paid_payment) == before - 1000
    # when the gateway reports it failed
    failed = _gateway_refund(fake_stripe, refund, status="failed", failure_reason="expired_or_canceled_card")
    outcome = deliver(client, fake_stripe.event("charge.refund.updated", failed))
    # then the refund failed, its hold is released and the customer's money is available again
    refund.refresh_from_db()
    assert outcome == "applied" and refund.status == Refund.Status.FAILED
    assert LedgerHold.objects.get(reference=refund_hold_reference(refund.pk)).status == LedgerHold.Status.RELEASED
    assert _balance(paid_payment) == before
    audit = AuditEvent.objects.get(action="payments.refund.failed", target_id=str(refund.pk))
    assert "expired_or_canceled_card" in audit.after["error"]
    # and the same news in the newer event type changes nothing more
    assert deliver(client, fake_stripe.event("refund.failed", failed)) == "ignored"
    assert _balance(paid_payment) == before
    assert AuditEvent.objects.filter(action="payments.refund.failed", target_id=str(refund.pk)).count() == 1


def test_a_refund_update_that_is_not_a_failure_changes_nothing(client, fake_stripe, paid_payment):
    refund = payment_refund(payment=paid_payment, amount=700)
    held = _balance(paid_payment)
    pending = _gateway_refund(fake_stripe, refund, status="pending")
    assert deliver(client, fake_stripe.event("charge.refund.updated", pending)) == "ignored"
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PENDING and _balance(paid_payment) == held


def test_a_refund_failing_after_its_money_moved_is_left_for_staff_not_moved_twice(client, fake_stripe, paid_payment):
    # given a refund the gateway reported done: the customer's balance paid it
    refund = payment_refund(payment=paid_payment, amount=1000)
    charge = fake_stripe.objects[paid_payment.gateway_charge_reference]
    assert deliver(client, fake_stripe.event("charge.refunded", charge)) == "applied"
    after_refund = _balance(paid_payment)
    # when the gateway then reports that refund failed
    failed = _gateway_refund(fake_stripe, refund, status="failed", failure_reason="lost_or_stolen_card")
    event = fake_stripe.event("charge.refund.updated", failed)
    # then the delivery fails for staff to resolve, and no money moves
    assert deliver(client, event) == "failed"
    assert "staff must reverse" in WebhookDelivery.objects.get(event_key=event["id"]).error
    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED and _balance(paid_payment) == after_refund


def test_a_failed_refund_of_an_unknown_charge_is_ignored(client, fake_stripe, paid_payment):
    refund = payment_refund(payment=paid_payment, amount=300)
    stray = _gateway_refund(fake_stripe, refund, status="failed", payment_intent="pi_unknown", charge="ch_unknown")
    assert deliver(client, fake_stripe.event("refund.failed", stray)) == "ignored"
    refund.refresh_from_db()
    assert refund.status == Refund.Status.PENDING
