"""The ledger side of a run is bounded: its date window, plus what its records reference.

The ledger here is booked now (the services stamp entries with the current time); the
runs are for a period 90 days before or after, so every ledger record lies outside the
run's window and only a gateway reference can bring it in.
"""

from __future__ import annotations

import datetime as dt

import pytest

from ledger.models import LedgerAccount
from ledger.services.journal import PostingLine, journal_entry_post, ledger_account_get
from payments.models import ReconciliationItem
from payments.reconciliation.runs import reconciliation_run_now
from payments.reconciliation.sources import SettlementFileSource
from tests.payments.reconciliation.conftest import disputed, paid, paid_out, refunded, row, today

pytestmark = pytest.mark.django_db
C = ReconciliationItem.Classification


def _run_far_from_now(path, days: int):
    start = today() + dt.timedelta(days=days)
    return reconciliation_run_now(
        gateway="stripe",
        period_start=start,
        period_end=start + dt.timedelta(days=1),
        source=SettlementFileSource(path, "stripe"),
    )


def _settled(days: int) -> str:
    return dt.datetime.combine(today() + dt.timedelta(days=days), dt.time(12), tzinfo=dt.UTC).isoformat()


def _fee_booked(reference: str, fee: int) -> None:
    journal_entry_post(
        lines=[
            PostingLine(ledger_account_get(code=LedgerAccount.FEES, currency="EUR"), fee),
            PostingLine(ledger_account_get(code=LedgerAccount.GATEWAY_CLEARING, currency="EUR"), -fee),
        ],
        description="fee",
        idempotency_key=f"gateway-fee-{reference}",
    )


@pytest.mark.parametrize("days", [90, -90], ids=["settled-long-after-booking", "rerun-of-a-period-before-it"])
def test_records_find_their_ledger_records_outside_the_window_by_reference(settlement_file, days):
    # given: every kind of ledger record, and a fee, booked now
    payment = paid(2500, charge="ch_far")
    _fee_booked("ch_far", 90)
    refunded(payment, 500, "re_far")
    disputed(paid(4000, charge="ch_far_disputed"), "dp_far")
    paid_out("po_far", 1000)
    unreferenced = paid(3300, charge="ch_never_settled")
    settled = _settled(days)
    path = settlement_file(
        [
            row("ch_far", "charge", "25.00", fee="1.00", settled_at=settled),
            row("re_far", "refund", "-5.00", settled_at=settled),
            row("dp_far", "adjustment", "-40.00", settled_at=settled),
            row("po_far", "payout", "-10.00", settled_at=settled),
            row("", "charge", "33.00", settled_at=settled),  # no reference: amount and date only
        ]
    )
    # when: the run is for a day 90 days away from the bookings
    run = _run_far_from_now(path, days)
    # then: the referenced records match (and the late fee is checked), whatever their age
    found = {i.reference: i for i in ReconciliationItem.objects.filter(run=run)}
    assert {ref: i.classification for ref, i in found.items()} == {
        "ch_far": C.UNDERPAID,
        "re_far": C.MATCHED,
        "dp_far": C.MATCHED,
        "po_far": C.MATCHED,
        "": C.MISSING_IN_LEDGER,
    }
    assert (found["ch_far"].ledger_object_id, found["ch_far"].detail) == (payment.pk, "fee 100 vs booked 90")
    # and the booking outside the window is neither matched by amount nor reported missing at the gateway
    assert not ReconciliationItem.objects.filter(run=run, ledger_object_id=unreferenced.pk).exists()
    assert found[""].candidates == []
