"""The Stripe source: the real SDK lists balance transactions and payouts from the fake
Stripe API, page after page, and the run reconciles them."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from payments.gateways.stripe_gateway import StripeGateway
from payments.models import ReconciliationItem
from payments.reconciliation.runs import reconciliation_run_now
from payments.reconciliation.sources import StripeSource
from tests.payments.reconciliation.conftest import disputed, paid, paid_out, period, refunded

pytestmark = pytest.mark.django_db
C = ReconciliationItem.Classification


def _txn(fake, source: str, type_: str, amount: int, fee: int = 0, currency: str = "eur", created=None, **extra):
    return fake.object(
        "balance_transaction",
        source=source,
        type=type_,
        amount=amount,
        fee=fee,
        net=amount - fee,
        currency=currency,
        created=created or int(time.time()),
        reporting_category=type_,
        **extra,
    )


def test_balance_transactions_are_listed_page_after_page_within_the_dates(fake_stripe):
    # given: 230 balance transactions today, 5 last week
    now = int(time.time())
    wanted = {_txn(fake_stripe, f"ch_{n}", "charge", 100 + n, created=now - n)["id"] for n in range(230)}
    for n in range(5):
        _txn(fake_stripe, f"ch_old{n}", "charge", 100, created=now - 7 * 86400)
    gateway = StripeGateway(api_key="sk_test_fake", api_base=fake_stripe.url)
    # when
    listed = list(gateway.balance_transactions_list(created_gte=now - 3600, created_lt=now + 3600, page_size=100))
    # then: all 230, each once, over three requests (100 + 100 + 30)
    assert {t.reference for t in listed} == wanted and len(listed) == 230
    assert fake_stripe.count("GET", "/v1/balance_transactions") == 3
    assert listed[0].currency == "EUR" and listed[0].net == listed[0].amount


def test_a_stripe_run_reconciles_charges_fees_refunds_disputes_fx_and_payouts(fake_stripe):
    # given: the ledger
    charges = [paid(amount, charge=f"ch_s{n}") for n, amount in enumerate((1000, 2000, 3000, 4000))]
    refunded(charges[3], 1000, "re_s3")
    disputed(charges[2], "dp_s2")
    paid(10000, "USD", charge="ch_fx")
    paid_out("po_s", 941 + 1912)
    missing = paid(999, charge="ch_never_settled")
    # and the gateway: 4 charges with fees, one refund, one dispute withdrawal, one FX charge,
    # one charge the ledger does not know, on several pages; a payout of the nets of two charges
    fees = {0: 59, 1: 88, 2: 117, 3: 146}
    txns = [_txn(fake_stripe, f"ch_s{n}", "charge", c.amount, fees[n]) for n, c in enumerate(charges)]
    _txn(fake_stripe, "re_s3", "refund", -1000)
    _txn(fake_stripe, "dp_s2", "adjustment", -3000, fee=1500)  # Stripe's dispute fee
    _txn(fake_stripe, "ch_fx", "charge", 9200, 296, exchange_rate=0.92)
    _txn(fake_stripe, "ch_unknown", "charge", 5000, 175)
    payout = fake_stripe.object("payout", amount=941 + 1912, currency="eur", status="paid", created=int(time.time()))
    fake_stripe.payout_settles(payout["id"], [txns[0]["id"], txns[1]["id"]])
    payout_bt = _txn(fake_stripe, payout["id"], "payout", -(941 + 1912))
    fake_stripe.payout_settles(payout["id"], [payout_bt["id"]])
    # the ledger's payout po_s is the gateway's payout under our reference
    from payments.models import Payout

    Payout.objects.filter(gateway_reference="po_s").update(gateway_reference=payout["id"])
    start, end = period()
    # when
    run = reconciliation_run_now(gateway="stripe", period_start=start, period_end=end, source=StripeSource(page_size=3))
    # then
    found = {i.reference: i for i in ReconciliationItem.objects.filter(run=run)}
    assert {
        ref: found[ref].classification for ref in ("ch_s0", "ch_s1", "ch_s2", "ch_s3", "re_s3", "ch_fx")
    } == dict.fromkeys(("ch_s0", "ch_s1", "ch_s2", "ch_s3", "re_s3", "ch_fx"), C.MATCHED)
    assert (found["ch_s1"].gateway_amount, found["ch_s1"].gateway_fee, found["ch_s1"].gateway_net) == (2000, 88, 1912)
    assert found["ch_s0"].payout_reference == payout["id"]
    assert found["ch_fx"].exchange_rate == Decimal("0.92") and found["ch_fx"].ledger_currency == "USD"
    # a dispute withdrawal with Stripe's dispute fee: gross matches, the fee is the gateway's
    assert found["dp_s2"].classification == C.MATCHED and found["dp_s2"].gateway_net == -4500
    assert found["ch_unknown"].classification == C.MISSING_IN_LEDGER
    assert found[missing.gateway_reference].classification == C.MISSING_AT_GATEWAY
    # many-to-one: the payout equals the ledger's and the nets of the two charges it paid out (9.41 + 19.12)
    po = found[payout["id"]]
    assert (po.record_type, po.gateway_amount, po.ledger_amount) == ("payout", -2853, -2853)
    assert (po.classification, po.detail) == (C.MATCHED, "equals the nets it paid out")
    # every page was fetched through the SDK
    assert fake_stripe.count("GET", "/v1/balance_transactions") >= 4
    assert fake_stripe.count("GET", "/v1/payouts") == 1
    assert run.records_fetched == 9


def test_a_payout_whose_charges_net_more_than_it_paid_is_underpaid(fake_stripe):
    paid(1000, charge="ch_u")
    txn = _txn(fake_stripe, "ch_u", "charge", 1000, 59)
    payout = fake_stripe.object("payout", amount=900, currency="eur", status="paid", created=int(time.time()))
    fake_stripe.payout_settles(payout["id"], [txn["id"]])
    paid_out(payout["id"], 900)
    start, end = period()
    run = reconciliation_run_now(gateway="stripe", period_start=start, period_end=end, source=StripeSource())
    item = ReconciliationItem.objects.get(run=run, reference=payout["id"])
    assert (item.classification, item.difference, item.detail) == (
        C.UNDERPAID,
        -41,
        "payout 900 vs the nets it paid out 941",
    )


def test_gateway_unavailable_fails_the_attempt_and_keeps_the_run_queued_for_a_retry(fake_stripe):
    from payments.errors import GatewayUnavailableError
    from payments.models import ReconciliationRecord, ReconciliationRun

    fake_stripe.fail_next(10, status=503)
    start, end = period()
    with pytest.raises(GatewayUnavailableError):
        reconciliation_run_now(gateway="stripe", period_start=start, period_end=end)
    run = ReconciliationRun.objects.get()
    assert (run.status, run.attempt) == (ReconciliationRun.Status.QUEUED, 1)
    assert "stripe" in run.error
    assert not ReconciliationRecord.objects.exists()
    # when the gateway is back, the retry claims the queued run
    fake_stripe._failures.clear()
    from payments.reconciliation.runs import reconciliation_run_execute

    assert reconciliation_run_execute(run_id=run.pk).status == ReconciliationRun.Status.SUCCEEDED


def test_a_disputes_withdrawal_and_reinstatement_are_matched_each_with_the_fee_booked_for_it(fake_stripe):
    # given: the ledger holds a dispute withdrawn with a 15.00 fee and reinstated with the fee given back,
    # and a second dispute whose fee was booked at 15.00 where Stripe reports 20.00
    from payments.services.disputes import dispute_funds_reinstated
    from payments.services.fees import dispute_fee_record

    won = disputed(paid(3000, charge="ch_won"), "dp_won")
    dispute_fee_record(dispute=won, fee_minor=1500, currency="EUR", reinstated=False)
    assert dispute_funds_reinstated(dispute=won)
    dispute_fee_record(dispute=won, fee_minor=-1500, currency="EUR", reinstated=True)
    lost = disputed(paid(2000, charge="ch_lost"), "dp_lost")
    dispute_fee_record(dispute=lost, fee_minor=1500, currency="EUR", reinstated=False)
    _txn(fake_stripe, "ch_won", "charge", 3000)
    _txn(fake_stripe, "ch_lost", "charge", 2000)
    _txn(fake_stripe, "dp_won", "adjustment", -3000, fee=1500)
    _txn(fake_stripe, "dp_won", "adjustment", 3000, fee=-1500)
    _txn(fake_stripe, "dp_lost", "adjustment", -2000, fee=2000)
    start, end = period()
    # when
    run = reconciliation_run_now(gateway="stripe", period_start=start, period_end=end, source=StripeSource())
    # then: each of dp_won's two records is matched to its own fund move and fee
    items = ReconciliationItem.objects.filter(run=run)
    won_items = {i.ledger_kind: i for i in items.filter(reference="dp_won")}
    assert {kind: (i.classification, i.gateway_fee, i.ledger_fee) for kind, i in won_items.items()} == {
        "dispute": (C.MATCHED, 1500, 1500),
        "dispute_reinstated": (C.MATCHED, -1500, -1500),
    }
    # and the fee booked wrong for dp_lost is an exception that says so
    wrong = items.get(reference="dp_lost")
    assert (wrong.classification, wrong.difference, wrong.detail) == (C.UNDERPAID, -500, "fee 2000 vs booked 1500")
    assert not items.exclude(reference__in=["dp_won", "dp_lost"]).exclude(classification=C.MATCHED).exists()
