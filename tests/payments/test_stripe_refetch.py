"""Stripe events whose order leaves a dispute's or payout's state uncertain: the processor
re-fetches the object through the SDK (from the fake server) and applies its current state."""

from __future__ import annotations

import pytest

from fintech.models import AuditEvent
from ledger.models import JournalEntry, LedgerAccount
from ledger.selectors import ledger_balances
from payments.models import Dispute, Payout, WebhookDelivery
from tests.payments.conftest import deliver

CUSTOMERS, CLEARING = LedgerAccount.CUSTOMER_BALANCES, LedgerAccount.GATEWAY_CLEARING


def audit_actions(target) -> list[str]:
    return list(
        AuditEvent.objects.filter(target_type=target._meta.label, target_id=str(target.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def dispute_funds(fake_stripe, charge: str, *amounts: int) -> list[dict]:
    """The balance transactions a dispute moved (negative: withdrawn, positive: reinstated)."""
    return [
        fake_stripe.object(
            "balance_transaction",
            amount=amount,
            fee=1500 if amount < 0 else 0,
            net=amount - (1500 if amount < 0 else 0),
            currency="eur",
            source=charge,
            type="adjustment",
            reporting_category="dispute",
        )
        for amount in amounts
    ]


# --- disputes ----------------------------------------------------------------------
@pytest.mark.django_db
def test_dispute_closed_before_it_was_created_applies_the_disputes_current_state(client, fake_stripe, paid_payment):
    # given: Stripe withdrew the funds and the dispute was lost; only the closing event reaches us first
    charge = paid_payment.gateway_charge_reference
    dispute = fake_stripe.object(
        "dispute",
        amount=2500,
        currency="eur",
        charge=charge,
        payment_intent=paid_payment.gateway_reference,
        status="lost",
        reason="fraudulent",
        balance_transactions=dispute_funds(fake_stripe, charge, -2500),
    )
    stale = dict(dispute, status="needs_response", balance_transactions=[])
    # when
    assert deliver(client, fake_stripe.event("charge.dispute.closed", dict(stale, status="lost"))) == "applied"
    # then: recorded, funds withdrawn once, closed as lost, from one read of the dispute
    assert fake_stripe.count("GET", f"/v1/disputes/{dispute['id']}") == 1
    record = Dispute.objects.get()
    assert (record.payment_id, record.status, record.funds_state) == (paid_payment.pk, "lost", "withdrawn")
    assert record.closed_at is not None and record.reason == "fraudulent"
    assert ledger_balances(currency="EUR")[(CUSTOMERS, "EUR")] == -2500 + 2500
    # when: the earlier events arrive late
    assert deliver(client, fake_stripe.event("charge.dispute.created", stale)) == "ignored"
    assert deliver(client, fake_stripe.event("charge.dispute.funds_withdrawn", stale)) == "ignored"
    # then: nothing moves again
    assert ledger_balances(currency="EUR")[(CUSTOMERS, "EUR")] == -2500 + 2500
    assert JournalEntry.objects.filter(idempotency_key__startswith="dispute-").count() == 1
    assert audit_actions(record) == [
        "payments.dispute.opened",
        "payments.dispute.funds_withdrawn",
        "payments.dispute.fee_recorded",
        "payments.dispute.closed",
    ]


@pytest.mark.django_db
def test_dispute_won_before_we_saw_it_posts_both_fund_moves_once(client, fake_stripe, paid_payment):
    charge = paid_payment.gateway_charge_reference
    dispute = fake_stripe.object(
        "dispute",
        amount=2500,
        currency="eur",
        charge=charge,
        payment_intent=paid_payment.gateway_reference,
        status="won",
        balance_transactions=dispute_funds(fake_stripe, charge, -2500, 2500),
    )
    assert deliver(client, fake_stripe.event("charge.dispute.closed", dispute)) == "applied"
    for late in ("charge.dispute.funds_withdrawn", "charge.dispute.funds_reinstated", "charge.dispute.created"):
        assert deliver(client, fake_stripe.event(late, dispute)) == "ignored"
    record = Dispute.objects.get()
    assert (record.status, record.funds_state) == ("won", "reinstated")
    keys = set(
        JournalEntry.objects.filter(idempotency_key__startswith="dispute-").values_list("idempotency_key", flat=True)
    )
    assert keys == {f"dispute-{record.pk}-funds-withdrawn", f"dispute-{record.pk}-funds-reinstated"}
    assert ledger_balances(currency="EUR")[(CUSTOMERS, "EUR")] == -2500
    # the 15.00 dispute fee Stripe took with the withdrawal, and did not give back
    assert ledger_balances(currency="EUR")[(CLEARING, "EUR")] == 2500 - 1500


@pytest.mark.django_db
def test_closing_a_dispute_whose_funds_never_moved_reads_it_and_moves_nothing(client, fake_stripe, paid_payment):
    # given: an inquiry (a warning): Stripe never withdraws funds for it
    dispute = fake_stripe.object(
        "dispute",
        amount=2500,
        currency="eur",
        charge=paid_payment.gateway_charge_reference,
        payment_intent=paid_payment.gateway_reference,
        status="warning_needs_response",
    )
    assert deliver(client, fake_stripe.event("charge.dispute.created", dispute)) == "applied"
    fake_stripe.objects[dispute["id"]]["status"] = "warning_closed"
    # when
    assert deliver(client, fake_stripe.event("charge.dispute.closed", dispute)) == "applied"
    # then
    assert fake_stripe.count("GET", f"/v1/disputes/{dispute['id']}") == 1
    record = Dispute.objects.get()
    assert (record.status, record.funds_state) == ("warning_closed", "none")
    assert not JournalEntry.objects.filter(idempotency_key__startswith="dispute-").exists()


@pytest.mark.django_db
def test_closing_a_dispute_whose_funds_we_saw_move_needs_no_read(client, fake_stripe, paid_payment):
    dispute = fake_stripe.object(
        "dispute",
        amount=2500,
        currency="eur",
        charge=paid_payment.gateway_charge_reference,
        payment_intent=paid_payment.gateway_reference,
        status="needs_response",
    )
    deliver(client, fake_stripe.event("charge.dispute.created", dispute))
    deliver(client, fake_stripe.event("charge.dispute.funds_withdrawn", dispute))
    assert deliver(client, fake_stripe.event("charge.dispute.closed", dict(dispute, status="lost"))) == "applied"
    assert fake_stripe.count("GET", f"/v1/disputes/{dispute['id']}") == 0
    assert Dispute.objects.get().status == "lost"


# --- payouts -----------------------------------------------------------------------
@pytest.mark.django_db
def test_payout_paid_after_payout_failed_reads_the_payout_and_moves_nothing(client, fake_stripe):
    # given: the payout was paid_payment, then failed; the failure is delivered first
    payout = fake_stripe.object(
        "payout",
        amount=1100,
        currency="usd",
        status="failed",
        failure_code="account_closed",
        failure_message="The bank account has been closed",
    )
    assert deliver(client, fake_stripe.event("payout.failed", payout)) == "applied"
    # when: the (older) paid event arrives
    status = deliver(client, fake_stripe.event("payout.paid", dict(payout, status="paid", failure_code=None)))
    # then: Stripe says it is failed: nothing is posted, and the delivery says why
    assert status == "ignored"
    assert fake_stripe.count("GET", f"/v1/payouts/{payout['id']}") == 1
    delivery = WebhookDelivery.objects.get(event_type="payout.paid")
    note = AuditEvent.objects.get(action="payments.webhook_delivery.ignored", target_id=str(delivery.pk))
    assert "failed at the gateway" in note.after["note"]
    record = Payout.objects.get()
    assert (record.status, record.failure_reason) == ("failed", "The bank account has been closed")
    assert not JournalEntry.objects.exists()
    assert audit_actions(record) == ["payments.payout.recorded", "payments.payout.failed"]


@pytest.mark.django_db
def test_payout_paid_at_the_gateway_but_failed_here_is_a_failed_delivery_for_a_person(client, fake_stripe):
    payout = fake_stripe.object("payout", amount=700, currency="eur", status="paid")
    assert deliver(client, fake_stripe.event("payout.failed", dict(payout, status="failed"))) == "applied"
    assert deliver(client, fake_stripe.event("payout.paid", payout)) == "failed"
    delivery = WebhookDelivery.objects.get(event_type="payout.paid")
    assert "paid at the gateway" in delivery.error
    assert not JournalEntry.objects.exists()


@pytest.mark.django_db
def test_payout_paid_for_a_pending_payout_is_applied_without_a_read(client, fake_stripe):
    payout = fake_stripe.object("payout", amount=900, currency="eur", status="paid")
    assert deliver(client, fake_stripe.event("payout.paid", payout)) == "applied"
    assert fake_stripe.count("GET", f"/v1/payouts/{payout['id']}") == 0
    assert ledger_balances(currency="EUR") == {("payouts", "EUR"): 900, (CLEARING, "EUR"): -900}


# --- the adapter -------------------------------------------------------------------
@pytest.mark.django_db
def test_adapter_reads_disputes_and_payouts_into_plain_records(fake_stripe):
    from payments.gateways import gateway_for

    dispute = fake_stripe.object(
        "dispute",
        amount=1000,
        currency="usd",
        charge="ch_1",
        status="under_review",
        balance_transactions=dispute_funds(fake_stripe, "ch_1", -1000),
    )
    payout = fake_stripe.object(
        "payout", amount=5000, currency="gbp", status="failed", failure_message=None, failure_code="account_closed"
    )
    stripe = gateway_for("stripe")
    found = stripe.dispute_retrieve(reference=dispute["id"])
    assert (found.reference, found.charge, found.amount, found.currency, found.status) == (
        dispute["id"],
        "ch_1",
        1000,
        "USD",
        "under_review",
    )
    assert found.funds_withdrawn and not found.funds_reinstated
    assert found.balance_transactions[0].fee == 1500
    got = stripe.payout_retrieve(reference=payout["id"])
    assert (got.amount, got.currency, got.status, got.failure_message) == (5000, "GBP", "failed", "account_closed")
