"""A Hypothesis state machine over the real payment services and webhook path.

Random payments (with gateway fees known at success or reported later by
`charge.updated`), refunds, disputes, payouts and duplicate or re-sent webhooks go
through the real code: outbound calls (PaymentIntent creation, refunds) reach the
fake Stripe server through the SDK; every gateway event is posted signed to the
webhook endpoint (verify + store) and then applied by the task body. A small model
says what money each effect should move; after every step the ledger must balance
entry by entry, and its balances must equal the model's (each effect counted once).
Replaying an already-applied delivery must change nothing at all.

Each example runs inside a savepoint that is rolled back at teardown, so examples do
not see each other's rows (posted entries cannot be deleted on PostgreSQL).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Sum
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from fintech.models import AuditEvent
from ledger.errors import InsufficientFundsError
from ledger.models import JournalEntry, LedgerAccount, Posting
from ledger.selectors import ledger_balances
from payments.models import Dispute, Payment, Payout, Refund, WebhookDelivery
from payments.services.payments import payment_create, payment_submit
from payments.services.refunds import payment_refund
from payments.tasks import apply_webhook_delivery
from sandbox.stripe_server import FakeStripeServer
from tests.factories import CustomerFactory
from tests.payments.conftest import post_event

CURRENCIES = ["EUR", "USD", "JPY"]
CLEARING, CUSTOMERS = LedgerAccount.GATEWAY_CLEARING, LedgerAccount.CUSTOMER_BALANCES
PAYOUTS = LedgerAccount.PAYOUTS
FEES = LedgerAccount.FEES


@dataclass
class PaymentModel:
    pk: int
    intent: str
    amount: int
    currency: str
    status: str = "pending"
    refunded: int = 0
    fee: int | None = None  # booked gateway fee; None until the gateway reports it


@dataclass
class DisputeModel:
    stripe: dict
    amount: int
    currency: str
    fee: int  # Stripe's dispute fee, taken with the withdrawal
    fee_given_back: bool  # and returned with the reinstatement, or kept
    funds: str = "none"
    fees_booked: set = field(default_factory=set)  # "withdrawn", "reinstated"


@dataclass
class PayoutModel:
    stripe: dict
    amount: int
    currency: str
    status: str = "pending"


@dataclass
class Expected:
    balances: dict = field(default_factory=lambda: defaultdict(int))

    def move(self, currency: str, debit: str, credit: str, amount: int) -> None:
        self.balances[(debit, currency)] += amount
        self.balances[(credit, currency)] -= amount

    def nonzero(self) -> dict:
        return {key: value for key, value in self.balances.items() if value}


def snapshot() -> tuple:
    """Everything an applied replay could change."""
    return (
        sorted(ledger_balances().items()),
        JournalEntry.objects.count(),
        Posting.objects.count(),
        AuditEvent.objects.count(),
        sorted(WebhookDelivery.objects.values_list("pk", "status", "attempts")),
        sorted(Payment.objects.values_list("pk", "status", "amount_refunded")),
        sorted(Refund.objects.values_list("pk", "status", "amount", "gateway_reference")),
        sorted(Dispute.objects.values_list("pk", "funds_state", "status")),
        sorted(Payout.objects.values_list("pk", "status")),
    )


class LedgerMachine(RuleBasedStateMachine):
    payments = Bundle("payments")
    disputes = Bundle("disputes")
    payouts = Bundle("payouts")
    deliveries = Bundle("deliveries")

    def __init__(self):
        super().__init__()
        # A fresh fake gateway per example: its idempotency replies are keyed by our
        # payment ids, which the rolled-back savepoint hands out again.
        self.fake = FakeStripeServer().start()
        self.fake.charge_fees(percent="2.9", fixed=30)  # Stripe's card pricing
        # Inside the test's settings override: discarded with it.
        django_settings.STRIPE_API_BASE = self.fake.url
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.client = Client()
        self.expected = Expected()
        self.customer = CustomerFactory()
        self.model_payments: list[PaymentModel] = []

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)
        self.fake.stop()

    # --- delivering events ------------------------------------------------------------
    def _deliver(self, event_type: str, obj: dict) -> dict:
        """Post the signed event, then apply its stored delivery (the task body)."""
        event = self.fake.event(event_type, obj)
        assert post_event(self.client, event).status_code == 200
        status = apply_webhook_delivery(WebhookDelivery.objects.get(provider="stripe", event_key=event["id"]).pk)
        assert status in ("applied", "ignored"), (
            event_type,
            status,
            WebhookDelivery.objects.get(event_key=event["id"]).error,
        )
        return event

    # --- payments ---------------------------------------------------------------------
    @rule(target=payments, amount=st.integers(min_value=1, max_value=500_000), currency=st.sampled_from(CURRENCIES))
    def create_payment(self, amount, currency):
        payment = payment_submit(payment=payment_create(customer=self.customer, amount=amount, currency=currency))
        model = PaymentModel(pk=payment.pk, intent=payment.gateway_reference, amount=amount, currency=currency)
        self.model_payments.append(model)
        return model

    def _charge_fee(self, payment) -> int | None:
        charge = self.fake.objects[self.fake.objects[payment.intent]["latest_charge"]]
        txn = charge["balance_transaction"]
        return self.fake.objects[txn]["fee"] if txn else None

    def _fee_booked(self, payment) -> None:
        fee = self._charge_fee(payment)
        if payment.fee is None and fee:
            payment.fee = fee
            self.expected.move(payment.currency, FEES, CLEARING, fee)

    @rule(target=deliveries, payment=payments, fee_known=st.booleans())
    def payment_succeeds(self, payment, fee_known):
        if payment.status not in ("pending", "failed"):
            return multiple()
        pricing, self.fake.pricing = self.fake.pricing, (self.fake.pricing if fee_known else None)
        intent = self.fake.payment_intent_set_status(payment.intent, "succeeded")
        self.fake.pricing = pricing
        event = self._deliver("payment_intent.succeeded", intent)
        payment.status = "succeeded"
        self.expected.move(payment.currency, CLEARING, CUSTOMERS, payment.amount)
        self._fee_booked(payment)
        return event

    @rule(target=deliveries, payment=payments)
    def charge_updated(self, payment):
        """Stripe settles the charge to our balance (if not yet) and says so: the fee, once."""
        if payment.status != "succeeded":
            return multiple()
        charge_id = self.fake.objects[payment.intent]["latest_charge"]
        if self._charge_fee(payment) is None:
            self.fake.charge_settles(charge_id)
        event = self._deliver("charge.updated", self.fake.objects[charge_id])
        self._fee_booked(payment)
        return event

    @rule(target=deliveries, payment=payments)
    def payment_fails(self, payment):
        if payment.status not in ("pending", "failed"):
            return multiple()
        intent = self.fake.payment_intent_set_status(payment.intent, "requires_payment_method")
        intent["last_payment_error"] = {"message": "Your card was declined."}
        event = self._deliver("payment_intent.payment_failed", intent)
        payment.status = "failed"
        return event

    @rule(target=deliveries, payment=payments)
    def payment_canceled(self, payment):
        if payment.status not in ("pending", "failed"):
            return multiple()
        intent = self.fake.payment_intent_set_status(payment.intent, "canceled")
        event = self._deliver("payment_intent.canceled", intent)
        payment.status = "canceled"
        return event

    # --- refunds ----------------------------------------------------------------------
    @rule(target=deliveries, payment=payments, share=st.integers(min_value=1, max_value=100))
    def refund(self, payment, share):
        left = payment.amount - payment.refunded
        if payment.status != "succeeded" or left <= 0:
            return multiple()
        amount = max(1, left * share // 100)
        available = -self.expected.balances[(CUSTOMERS, payment.currency)]
        if amount > available:  # a chargeback already took the customer's money back
            with pytest.raises(InsufficientFundsError):
                payment_refund(payment=Payment.objects.get(pk=payment.pk), amount=amount, reason="state machine")
            return multiple()
        # our door: request + submit to the fake gateway; money moves when it reports back
        payment_refund(payment=Payment.objects.get(pk=payment.pk), amount=amount, reason="state machine")
        charge = self.fake.objects[self.fake.objects[payment.intent]["latest_charge"]]
        event = self._deliver("charge.refunded", charge)
        payment.refunded += amount
        self.expected.move(payment.currency, CUSTOMERS, CLEARING, amount)
        return event

    # --- disputes ---------------------------------------------------------------------
    @rule(target=disputes, payment=payments, fee=st.integers(min_value=0, max_value=2000), fee_given_back=st.booleans())
    def dispute_opened(self, payment, fee, fee_given_back):
        if payment.status != "succeeded":
            return multiple()
        intent = self.fake.objects[payment.intent]
        obj = self.fake.object(
            "dispute",
            amount=payment.amount,
            currency=payment.currency.lower(),
            charge=intent["latest_charge"],
            payment_intent=payment.intent,
            status="needs_response",
            balance_transactions=[],
        )
        self._deliver("charge.dispute.created", obj)
        return DisputeModel(
            stripe=obj, amount=payment.amount, currency=payment.currency, fee=fee, fee_given_back=fee_given_back
        )

    def _stripe_moves_funds(self, dispute, *, reinstated: bool) -> dict:
        """Stripe's dispute after it withdrew the funds (and, `reinstated`, gave them back),
        each move a balance transaction with its fee, as every later event carries it."""
        stored = self.fake.objects[dispute.stripe["id"]]
        moves = stored["balance_transactions"]
        for way, sign, fee in (
            ("withdrawn", -1, dispute.fee),
            ("reinstated", 1, -dispute.fee if dispute.fee_given_back else 0),
        ):
            if way == "reinstated" and not reinstated:
                break
            if not any((txn["amount"] > 0) == (sign > 0) for txn in moves):
                amount = sign * dispute.amount
                moves.append(
                    self.fake.object(
                        "balance_transaction",
                        amount=amount,
                        fee=fee,
                        net=amount - fee,
                        currency=stored["currency"],
                        source=stored["charge"],
                        type="adjustment",
                        reporting_category="dispute",
                    )
                )
        return dict(stored)

    def _dispute_fees_booked(self, dispute, shown: dict) -> None:
        for txn in shown["balance_transactions"]:
            way = "reinstated" if txn["amount"] > 0 else "withdrawn"
            if way not in dispute.fees_booked:
                dispute.fees_booked.add(way)
                self.expected.move(dispute.currency, FEES, CLEARING, txn["fee"])

    @rule(target=deliveries, dispute=disputes)
    def dispute_funds_withdrawn(self, dispute):
        shown = self._stripe_moves_funds(dispute, reinstated=dispute.funds == "reinstated")
        event = self._deliver("charge.dispute.funds_withdrawn", shown)
        if dispute.funds == "none":
            dispute.funds = "withdrawn"
            self.expected.move(dispute.currency, CUSTOMERS, CLEARING, dispute.amount)
        self._dispute_fees_booked(dispute, shown)
        return event

    @rule(target=deliveries, dispute=disputes)
    def dispute_funds_reinstated(self, dispute):
        shown = self._stripe_moves_funds(dispute, reinstated=True)
        event = self._deliver("charge.dispute.funds_reinstated", shown)
        if dispute.funds == "withdrawn":
            self.expected.move(dispute.currency, CLEARING, CUSTOMERS, dispute.amount)
        dispute.funds = "reinstated"  # seen before its withdrawal, the amounts net to nothing
        self._dispute_fees_booked(dispute, shown)  # but each fee Stripe took or gave back is booked
        return event

    @rule(target=deliveries, dispute=consumes(disputes), outcome=st.sampled_from(["won", "lost"]))
    def dispute_closed(self, dispute, outcome):
        self.fake.objects[dispute.stripe["id"]]["status"] = outcome
        shown = dict(self.fake.objects[dispute.stripe["id"]])
        event = self._deliver("charge.dispute.closed", shown)
        self._dispute_fees_booked(dispute, shown)  # already booked: every move was delivered
        return event

    # --- payouts ----------------------------------------------------------------------
    @rule(target=payouts, amount=st.integers(min_value=1, max_value=200_000), currency=st.sampled_from(CURRENCIES))
    def payout_created(self, amount, currency):
        obj = self.fake.object("payout", amount=amount, currency=currency.lower(), status="pending")
        return PayoutModel(stripe=obj, amount=amount, currency=currency)

    @rule(target=deliveries, payout=payouts)
    def payout_paid(self, payout):
        if payout.status == "pending":  # a failed payout stays failed at Stripe
            self.fake.objects[payout.stripe["id"]]["status"] = "paid"
        event = self._deliver("payout.paid", dict(payout.stripe, status="paid"))
        if payout.status == "pending":
            payout.status = "paid"
            self.expected.move(payout.currency, PAYOUTS, CLEARING, payout.amount)
        return event

    @rule(target=deliveries, payout=payouts)
    def payout_failed(self, payout):
        self.fake.objects[payout.stripe["id"]]["status"] = "failed"
        event = self._deliver("payout.failed", dict(payout.stripe, status="failed", failure_code="account_closed"))
        if payout.status == "paid":  # corrected by a reversing entry
            self.expected.move(payout.currency, CLEARING, PAYOUTS, payout.amount)
        if payout.status in ("pending", "paid"):
            payout.status = "failed"
        return event

    # --- duplicates -------------------------------------------------------------------
    @rule(event=deliveries)
    def replay_same_delivery(self, event):
        """Stripe redelivers the same event, and the task runs again: nothing changes."""
        before = snapshot()
        response = post_event(self.client, event)
        assert response.status_code == 200 and response.json()["duplicate"] is True
        delivery = WebhookDelivery.objects.get(provider="stripe", event_key=event["id"])
        apply_webhook_delivery(delivery.pk)
        assert snapshot() == before

    @precondition(lambda self: self.model_payments)
    @rule(event=deliveries)
    def resend_as_a_new_event(self, event):
        """A different event reporting an old snapshot of the same object: it may be
        ignored or move a state back and forth, but it never moves money again."""
        if event["type"].startswith("payment_intent.") and event["type"] != "payment_intent.succeeded":
            return  # a stale failure/cancel is a state question, not a money one
        before = ledger_balances()
        self._deliver(event["type"], event["data"]["object"])
        assert ledger_balances() == before

    # --- invariants -------------------------------------------------------------------
    @invariant()
    def every_entry_balances_per_currency(self):
        off = Posting.objects.values("entry_id", "currency").annotate(total=Sum("amount")).exclude(total=0).order_by()
        assert not list(off)
        assert not JournalEntry.objects.filter(postings__isnull=True).exists()

    @invariant()
    def balances_are_the_effects_applied_once(self):
        actual = {key: value for key, value in ledger_balances().items() if value}  # a reversal nets to 0
        assert actual == self.expected.nonzero()

    @invariant()
    def payments_match_the_model(self):
        actual = dict(Payment.objects.filter(customer=self.customer).values_list("pk", "status"))
        assert actual == {p.pk: p.status for p in self.model_payments}
        refunded = dict(Payment.objects.filter(customer=self.customer).values_list("pk", "amount_refunded"))
        assert refunded == {p.pk: p.refunded for p in self.model_payments}


@pytest.mark.django_db
def test_ledger_state_machine(settings):
    settings.STRIPE_API_KEY = "sk_test_fake"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # each example points it at its own fake
    run_state_machine_as_test(
        LedgerMachine,
        settings=hypothesis_settings(
            max_examples=40,
            stateful_step_count=25,
            deadline=None,
            derandomize=False,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
