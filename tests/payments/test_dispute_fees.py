"""Stripe's dispute fees reach the ledger once each way: the fee taken when the disputed
funds are withdrawn, and the fee given back (a negative fee) when they are reinstated,
read from the balance transactions every dispute event carries, whatever the order."""

from __future__ import annotations

import pytest

from fintech.models import AuditEvent
from fintech.money import MoneyError
from ledger.models import JournalEntry, LedgerAccount
from ledger.selectors import journal_entry_totals, ledger_balances
from payments.models import Dispute
from payments.services.disputes import dispute_record
from payments.services.fees import dispute_fee_entry_key, dispute_fee_record
from tests.payments.conftest import deliver

FEES, CLEARING = LedgerAccount.FEES, LedgerAccount.GATEWAY_CLEARING
CUSTOMERS = LedgerAccount.CUSTOMER_BALANCES


def funds(fake_stripe, charge: str, amount: int, fee: int, currency: str = "eur") -> dict:
    """One balance transaction of a dispute: negative amount withdrawn, positive reinstated."""
    return fake_stripe.object(
        "balance_transaction",
        amount=amount,
        fee=fee,
        net=amount - fee,
        currency=currency,
        source=charge,
        type="adjustment",
        reporting_category="dispute",
    )


def fee_entries() -> dict[str, list[tuple[str, int]]]:
    return {
        entry.idempotency_key: sorted(entry.postings.values_list("account__code", "amount"))
        for entry in JournalEntry.objects.filter(idempotency_key__startswith="gateway-fee-dp_")
    }


@pytest.mark.django_db
def test_the_fee_taken_with_the_withdrawal_is_posted_once_and_given_back_with_the_reinstatement(
    client, fake_stripe, paid_payment
):
    # given: a dispute that Stripe opens by withdrawing 25.00 and a 15.00 fee
    charge = paid_payment.gateway_charge_reference
    dispute = fake_stripe.object(
        "dispute",
        amount=2500,
        currency="eur",
        charge=charge,
        payment_intent=paid_payment.gateway_reference,
        status="needs_response",
        balance_transactions=[],
    )
    assert deliver(client, fake_stripe.event("charge.dispute.created", dispute)) == "applied"
    withdrawn = dict(dispute, balance_transactions=[funds(fake_stripe, charge, -2500, 1500)])
    # when: the withdrawal arrives, twice under two event ids
    assert deliver(client, fake_stripe.event("charge.dispute.funds_withdrawn", withdrawn)) == "applied"
    assert deliver(client, fake_stripe.event("charge.dispute.funds_withdrawn", withdrawn)) == "ignored"
    # then: the fee is posted once, fees debited and clearing credited
    key = dispute_fee_entry_key(dispute["id"], reinstated=False)
    assert fee_entries() == {key: [(FEES, 1500), (CLEARING, -1500)]}
    assert journal_entry_totals(entry=JournalEntry.objects.get(idempotency_key=key)) == {"EUR": 0}
    assert ledger_balances(currency="EUR") == {
        (CLEARING, "EUR"): 2500 - 2500 - 1500,
        (CUSTOMERS, "EUR"): -2500 + 2500,
        (FEES, "EUR"): 1500,
    }
    # when: the dispute is won; Stripe reinstates the funds and gives the fee back
    won = dict(
        withdrawn,
        status="won",
        balance_transactions=[*withdrawn["balance_transactions"], funds(fake_stripe, charge, 2500, -1500)],
    )
    assert deliver(client, fake_stripe.event("charge.dispute.funds_reinstated", won)) == "applied"
    assert deliver(client, fake_stripe.event("charge.dispute.closed", won)) == "applied"  # closes; no fee again
    # then: everything is back where the payment left it
    back = dispute_fee_entry_key(dispute["id"], reinstated=True)
    assert fee_entries()[back] == [(FEES, -1500), (CLEARING, 1500)]
    assert len(fee_entries()) == 2
    assert ledger_balances(currency="EUR") == {(CLEARING, "EUR"): 2500, (CUSTOMERS, "EUR"): -2500, (FEES, "EUR"): 0}
    record = Dispute.objects.get()
    fee_audits = AuditEvent.objects.filter(action="payments.dispute.fee_recorded", target_id=str(record.pk))
    assert sorted((a.after["funds"], a.after["fee"]) for a in fee_audits) == [
        ("reinstated", -1500),
        ("withdrawn", 1500),
    ]


@pytest.mark.django_db
def test_a_fee_that_is_not_given_back_stays_when_the_reinstatement_came_first(client, fake_stripe, paid_payment):
    # given: the dispute was won and Stripe kept its fee; the reinstatement reaches us first
    charge = paid_payment.gateway_charge_reference
    dispute = fake_stripe.object(
        "dispute",
        amount=2500,
        currency="eur",
        charge=charge,
        payment_intent=paid_payment.gateway_reference,
        status="won",
        balance_transactions=[funds(fake_stripe, charge, -2500, 1500), funds(fake_stripe, charge, 2500, 0)],
    )
    # when
    assert deliver(client, fake_stripe.event("charge.dispute.funds_reinstated", dispute)) == "applied"
    assert deliver(client, fake_stripe.event("charge.dispute.funds_withdrawn", dispute)) == "ignored"
    # then: the amounts net to nothing, but the fee Stripe kept is an expense
    assert Dispute.objects.get().funds_state == Dispute.FundsState.REINSTATED
    assert fee_entries() == {dispute_fee_entry_key(dispute["id"], reinstated=False): [(FEES, 1500), (CLEARING, -1500)]}
    assert ledger_balances(currency="EUR")[(CLEARING, "EUR")] == 2500 - 1500
    assert ledger_balances(currency="EUR")[(CUSTOMERS, "EUR")] == -2500


@pytest.mark.django_db
def test_a_dispute_closed_before_we_saw_it_posts_its_fee_from_the_dispute_it_reads(client, fake_stripe, paid_payment):
    # given: only the closing event reaches us, without the balance transactions
    charge = paid_payment.gateway_charge_reference
    dispute = fake_stripe.object(
        "dispute",
        amount=2500,
        currency="eur",
        charge=charge,
        payment_intent=paid_payment.gateway_reference,
        status="lost",
        balance_transactions=[funds(fake_stripe, charge, -2500, 1500)],
    )
    # when
    assert (
        deliver(client, fake_stripe.event("charge.dispute.closed", dict(dispute, balance_transactions=[]))) == "applied"
    )
    # then: the read dispute's withdrawal and fee are both in the ledger
    assert fake_stripe.count("GET", f"/v1/disputes/{dispute['id']}") == 1
    assert ledger_balances(currency="EUR")[(CUSTOMERS, "EUR")] == -2500 + 2500
    assert ledger_balances(currency="EUR")[(FEES, "EUR")] == 1500


@pytest.mark.django_db
def test_the_fee_is_posted_in_the_currency_of_our_stripe_balance(client, fake_stripe, paid_payment):
    # given: a EUR payment settled into a USD balance; the dispute fee is charged in USD
    charge = paid_payment.gateway_charge_reference
    dispute = fake_stripe.object(
        "dispute",
        amount=2500,
        currency="eur",
        charge=charge,
        payment_intent=paid_payment.gateway_reference,
        status="needs_response",
        balance_transactions=[funds(fake_stripe, charge, -2700, 1500, currency="usd")],
    )
    # when
    assert deliver(client, fake_stripe.event("charge.dispute.funds_withdrawn", dispute)) == "applied"
    # then: the disputed amount moves in EUR, the fee in USD, each entry balancing in its currency
    assert ledger_balances(currency="EUR")[(CUSTOMERS, "EUR")] == -2500 + 2500
    assert ledger_balances(currency="USD") == {(CLEARING, "USD"): -1500, (FEES, "USD"): 1500}


@pytest.mark.django_db
def test_dispute_fee_record_refuses_what_is_not_minor_units_and_posts_no_zero_fee():
    dispute, _ = dispute_record(
        gateway="stripe",
        reference="dp_direct",
        payment=None,
        amount=100,
        currency="USD",
        status="needs_response",
        reason="general",
    )
    for bad in (15.0, "1500", True):
        with pytest.raises(MoneyError):
            dispute_fee_record(dispute=dispute, fee_minor=bad, currency="USD", reinstated=False)
    assert dispute_fee_record(dispute=dispute, fee_minor=0, currency="USD", reinstated=False) is False
    assert not JournalEntry.objects.exists()
    assert dispute_fee_record(dispute=dispute, fee_minor=1500, currency="usd", reinstated=False) is True
    assert dispute_fee_record(dispute=dispute, fee_minor=1700, currency="USD", reinstated=False) is False
    assert ledger_balances(currency="USD") == {(CLEARING, "USD"): -1500, (FEES, "USD"): 1500}
