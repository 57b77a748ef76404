"""Every classification, through a settlement file (the same set-wise match as every source)."""

from __future__ import annotations

import datetime as dt

import pytest

from ledger.models import JournalEntry, LedgerAccount
from ledger.services.journal import PostingLine, journal_entry_post, ledger_account_get
from payments.models import ReconciliationItem, ReconciliationRecord
from payments.reconciliation.runs import reconciliation_run_now
from payments.reconciliation.sources import SettlementFileSource
from tests.payments.reconciliation.conftest import disputed, paid, paid_out, period, refunded, row

pytestmark = pytest.mark.django_db
C = ReconciliationItem.Classification


def run_file(path, gateway: str = "stripe"):
    start, end = period()
    return reconciliation_run_now(
        gateway=gateway, period_start=start, period_end=end, source=SettlementFileSource(path, gateway)
    )


def items(run) -> dict[str, ReconciliationItem]:
    return {i.reference or i.match_key: i for i in ReconciliationItem.objects.filter(run=run)}


def test_charge_refund_dispute_and_payout_with_matching_references_are_matched(settlement_file):
    # given
    payment = paid(2500, charge="ch_a")
    refunded(payment, 500, "re_a")
    other = paid(4000, charge="ch_b")
    disputed(other, "dp_b")
    paid_out("po_a", 1000)
    path = settlement_file(
        [
            row("ch_a", "charge", "25.00", fee="1.00"),
            row("re_a", "refund", "-5.00"),
            row("ch_b", "charge", "40.00"),
            row("dp_b", "adjustment", "-40.00"),
            row("po_a", "payout", "-10.00"),
        ]
    )
    # when
    run = run_file(path)
    # then
    found = items(run)
    assert {ref: i.classification for ref, i in found.items()} == {
        "ch_a": C.MATCHED,
        "re_a": C.MATCHED,
        "ch_b": C.MATCHED,
        "dp_b": C.MATCHED,
        "po_a": C.MATCHED,
    }
    assert (found["ch_a"].ledger_kind, found["ch_a"].ledger_object_id) == ("payment", payment.pk)
    assert (found["ch_a"].gateway_amount, found["ch_a"].gateway_fee, found["ch_a"].gateway_net) == (2500, 100, 2400)
    assert found["re_a"].ledger_amount == -500
    assert found["dp_b"].ledger_kind == "dispute"
    assert run.counts[C.MATCHED] == 5 and run.items_total == 5
    assert run.status == "succeeded" and run.records_fetched == 5


def test_the_payment_intent_reference_matches_as_well_as_the_charge(settlement_file):
    payment = paid(1500, intent="pi_only")
    run = run_file(settlement_file([row("pi_only", "charge", "15.00")]))
    assert items(run)["pi_only"].classification == C.MATCHED
    assert items(run)["pi_only"].ledger_object_id == payment.pk


def test_missing_in_ledger_lists_candidates_of_the_same_amount(settlement_file):
    # given: the gateway has ch_x, the ledger has a 12.00 EUR payment under another reference
    candidate = paid(1200, charge="ch_other")
    run = run_file(settlement_file([row("ch_x", "charge", "12.00")]))
    found = items(run)
    assert found["ch_x"].classification == C.MISSING_IN_LEDGER
    assert [c["id"] for c in found["ch_x"].candidates] == [candidate.pk]
    # and the ledger's payment no gateway record claimed is missing at the gateway
    assert found[candidate.gateway_reference].classification == C.MISSING_AT_GATEWAY


def test_missing_at_gateway(settlement_file):
    payment = paid(3300, charge="ch_gone")
    run = run_file(settlement_file([]))
    item = ReconciliationItem.objects.get(run=run)
    assert item.classification == C.MISSING_AT_GATEWAY
    assert (item.ledger_kind, item.ledger_object_id, item.ledger_amount) == ("payment", payment.pk, 3300)
    assert item.match_key == f"l:payment:{payment.pk}"


@pytest.mark.parametrize(
    ("gross", "classification", "difference"),
    [
        ("26.00", C.OVERPAID, 100),
        ("24.50", C.UNDERPAID, -50),
    ],
)
def test_amount_mismatch_is_overpaid_or_underpaid(settlement_file, gross, classification, difference):
    paid(2500, charge="ch_m")
    item = items(run_file(settlement_file([row("ch_m", "charge", gross)])))["ch_m"]
    assert (item.classification, item.difference, item.ledger_amount) == (classification, difference, 2500)
    assert item.detail.startswith("gross")


def test_currency_mismatch_without_an_exchange_rate(settlement_file):
    paid(2500, "USD", charge="ch_usd")
    item = items(run_file(settlement_file([row("ch_usd", "charge", "25.00", "EUR")])))["ch_usd"]
    assert item.classification == C.CURRENCY_MISMATCH
    assert (item.gateway_currency, item.ledger_currency) == ("EUR", "USD")


def test_fx_settlement_reconciles_gross_at_the_exchange_rate(settlement_file):
    # given: 100.00 USD charged, settled in EUR at 0.92 -> 92.00 EUR gross, 2.96 fee, 89.04 net
    paid(10000, "USD", charge="ch_fx")
    paid(5000, "USD", charge="ch_fx_bad")
    paid(1000, "JPY", charge="ch_jpy")  # 1,000 JPY (no minor unit) at 0.0061 -> 6.10 EUR
    path = settlement_file(
        [
            row("ch_fx", "charge", "92.00", "EUR", fee="2.96", rate="0.92"),
            row("ch_fx_bad", "charge", "46.50", "EUR", rate="0.92"),
            row("ch_jpy", "charge", "6.10", "EUR", rate="0.0061"),
        ]
    )
    found = items(run_file(path))
    assert found["ch_fx"].classification == C.MATCHED
    assert (found["ch_fx"].gateway_fee, found["ch_fx"].gateway_net, found["ch_fx"].ledger_amount) == (296, 8904, 10000)
    assert found["ch_jpy"].classification == C.MATCHED
    assert (found["ch_fx_bad"].classification, found["ch_fx_bad"].difference) == (C.OVERPAID, 50)


def test_duplicates_of_a_row_and_of_a_ledger_claim(settlement_file):
    payment = paid(2000, intent="pi_d", charge="ch_d")
    path = settlement_file(
        [
            row("ch_d", "charge", "20.00"),
            row("ch_d", "charge", "20.00"),  # the same row twice
            row("pi_d", "charge", "20.00"),  # the same payment under its other reference
        ]
    )
    run = run_file(path)
    by_class = sorted(ReconciliationItem.objects.filter(run=run).values_list("classification", "reference"))
    assert by_class == [(C.DUPLICATE, "ch_d"), (C.DUPLICATE, "pi_d"), (C.MATCHED, "ch_d")]
    matched = ReconciliationItem.objects.get(run=run, classification=C.MATCHED)
    assert matched.ledger_object_id == payment.pk


def test_records_without_reference_match_by_amount_currency_and_date_window(settlement_file):
    # given: two ledger payments of the same amount, two unreferenced gateway rows, and one too far away
    first, second = paid(700), paid(700)
    now = dt.datetime.now(dt.UTC)
    path = settlement_file(
        [
            row("", "charge", "7.00", settled_at=now.isoformat()),
            row("", "charge", "7.00", settled_at=(now + dt.timedelta(minutes=1)).isoformat()),
            row("", "charge", "8.00", settled_at=now.isoformat()),
        ]
    )
    run = run_file(path)
    matched = ReconciliationItem.objects.filter(run=run, classification=C.MATCHED)
    assert sorted(matched.values_list("ledger_object_id", flat=True)) == [first.pk, second.pk]
    assert set(matched.values_list("match_method", flat=True)) == {"amount_date"}
    assert ReconciliationItem.objects.get(run=run, gateway_amount=800).classification == C.MISSING_IN_LEDGER


def test_payout_short_of_the_nets_it_settled_is_underpaid(settlement_file):
    # given: ledger and gateway agree the payout was 4.00, but the charge it paid out netted 4.55
    paid(500, charge="ch_q")
    paid_out("po_short", 400)
    path = settlement_file(
        [
            row("ch_q", "charge", "5.00", fee="0.45", payout="po_short"),
            row("po_short", "payout", "-4.00"),
        ]
    )
    found = items(run_file(path))
    assert found["ch_q"].classification == C.MATCHED
    assert (found["po_short"].classification, found["po_short"].difference) == (C.UNDERPAID, -55)
    assert found["po_short"].detail == "payout 400 vs the nets it paid out 455"


def test_payout_equal_to_the_nets_of_its_charges_is_matched(settlement_file):
    for n, amount in enumerate((1000, 2000, 3000)):
        paid(amount, charge=f"ch_s{n}")
    paid_out("po_ok", 5736)
    path = settlement_file(
        [
            row("ch_s0", "charge", "10.00", fee="0.59", payout="po_ok"),
            row("ch_s1", "charge", "20.00", fee="0.88", payout="po_ok"),
            row("ch_s2", "charge", "30.00", fee="1.17", payout="po_ok"),
            row("po_ok", "payout", "-57.36"),
        ]
    )
    found = items(run_file(path))
    assert {ref: i.classification for ref, i in found.items()} == {
        "ch_s0": C.MATCHED,
        "ch_s1": C.MATCHED,
        "ch_s2": C.MATCHED,
        "po_ok": C.MATCHED,
    }
    assert found["po_ok"].detail == "equals the nets it paid out"


def test_a_booked_fee_must_equal_the_gateway_fee(settlement_file):
    # given: fees booked in the ledger for two charges, one of them differing from the gateway's
    paid(2500, charge="ch_f1")
    paid(2500, charge="ch_f2")
    for reference, fee in (("ch_f1", 100), ("ch_f2", 90)):
        journal_entry_post(
            lines=[
                PostingLine(ledger_account_get(code=LedgerAccount.FEES, currency="EUR"), fee),
                PostingLine(ledger_account_get(code=LedgerAccount.GATEWAY_CLEARING, currency="EUR"), -fee),
            ],
            description="fee",
            idempotency_key=f"gateway-fee-{reference}",
        )
    path = settlement_file([row("ch_f1", "charge", "25.00", fee="1.00"), row("ch_f2", "charge", "25.00", fee="1.00")])
    found = items(run_file(path))
    assert (found["ch_f1"].classification, found["ch_f1"].ledger_fee) == (C.MATCHED, 100)
    assert (found["ch_f2"].classification, found["ch_f2"].difference) == (C.UNDERPAID, -10)
    assert found["ch_f2"].detail == "fee 100 vs booked 90"


def test_another_gateways_ledger_is_not_matched(settlement_file):
    paid(2500, gateway="braintree", intent="bt_1")
    run = run_file(settlement_file([]))
    assert not ReconciliationItem.objects.filter(run=run).exists()
    assert JournalEntry.objects.count() == 1
    assert ReconciliationRecord.objects.count() == 0
