"""The settlement report CSV: bad rows are rejected with their line numbers, and a
rejected file writes nothing (the period's previous results stay as they were)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from fintech.models import AuditEvent
from payments.models import ReconciliationItem, ReconciliationRecord, ReconciliationRun
from payments.reconciliation.csv_format import SettlementFileError
from payments.reconciliation.runs import reconciliation_run_now
from payments.reconciliation.sources import SettlementFileSource
from tests.payments.reconciliation.conftest import paid, period, row

pytestmark = pytest.mark.django_db


def test_bad_rows_are_rejected_with_line_numbers_and_nothing_is_written(settlement_file):
    # given: a period reconciled once
    paid(2500, charge="ch_ok")
    start, end = period()
    good = settlement_file([row("ch_ok", "charge", "25.00")], name="good.csv")
    first = reconciliation_run_now(
        gateway="stripe", period_start=start, period_end=end, source=SettlementFileSource(good, "stripe")
    )
    before = list(ReconciliationItem.objects.values_list("pk", "classification"))
    # and a file with good rows around six bad ones (line 1 is the header)
    bad = settlement_file(
        [
            row("ch_ok", "charge", "25.00"),  # line 2: fine
            row("ch_1", "charge", "12.345"),  # 3: too many decimals for EUR
            row("ch_2", "charge", "10.00", fee="1.00", net="9.50"),  # 4: net is not amount - fee
            row("ch_3", "charge", "10.00", "XXX"),  # 5: unknown currency
            row("ch_4", "transfer", "10.00"),  # 6: unknown type
            row("ch_5", "charge", "10.00", settled_at="2001-01-01T00:00:00Z"),  # 7: outside the period
            row("ch_6", "charge", "10.00", gateway="braintree"),  # 8: another gateway
            row("ch_7", "charge", "ten", net="ten"),  # 9: not a number
        ],
        name="bad.csv",
    )
    # when
    with pytest.raises(SettlementFileError) as caught:
        reconciliation_run_now(
            gateway="stripe", period_start=start, period_end=end, source=SettlementFileSource(bad, "stripe")
        )
    # then
    assert [line for line, _ in caught.value.errors] == [3, 4, 5, 6, 7, 8, 9]
    assert "line 3: 12.345 has more decimals than EUR allows" in caught.value.detail
    run = ReconciliationRun.objects.get(pk=first.pk)
    assert run.status == ReconciliationRun.Status.FAILED and "line 9" in run.error
    failed = AuditEvent.objects.get(action="payments.reconciliation_run.failed", target_id=str(run.pk))
    assert failed.outcome == "failure" and failed.after["will_retry"] is False and "line 9" in failed.after["error"]
    assert list(ReconciliationItem.objects.values_list("pk", "classification")) == before
    assert set(ReconciliationRecord.objects.values_list("attempt", flat=True)) == {1}


def test_a_file_without_the_required_columns_is_rejected(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("gateway,reference,amount\nstripe,ch_1,1.00\n")
    start, end = period()
    with pytest.raises(SettlementFileError, match="line 1: header lacks column"):
        reconciliation_run_now(
            gateway="stripe", period_start=start, period_end=end, source=SettlementFileSource(path, "stripe")
        )
    assert not ReconciliationItem.objects.exists()


def test_the_command_reconciles_a_file_and_reports_bad_rows(settlement_file, capsys):
    paid(2500, charge="ch_cmd")
    start, end = period()
    path = settlement_file([row("ch_cmd", "charge", "25.00")])
    call_command(
        "reconcile",
        "--gateway",
        "stripe",
        "--date",
        start.isoformat(),
        "--days",
        str((end - start).days),
        "--file",
        str(path),
    )
    assert "1 gateway records, 1 items (matched 1)" in capsys.readouterr().out
    bad = settlement_file([row("ch_cmd", "charge", "-", net="-")], name="bad.csv")
    with pytest.raises(CommandError, match="line 2"):
        call_command("reconcile", "--gateway", "stripe", "--date", start.isoformat(), "--days", "3", "--file", str(bad))


def _staged_by_sql(path, start, end) -> list[tuple]:
    from payments.reconciliation.csv_sql import settlement_file_stage

    run = ReconciliationRun.objects.create(gateway="stripe", period_start=start, period_end=end)
    assert (
        settlement_file_stage(path=path, gateway="stripe", start=start, end=end, run_id=run.pk, attempt=1) is not None
    )  # the set-wise path was taken
    fields = (
        "record_id",
        "reference",
        "type",
        "amount",
        "fee",
        "net",
        "currency",
        "exchange_rate",
        "settled_at",
        "payout_reference",
        "line",
    )
    return sorted(ReconciliationRecord.objects.filter(run=run).values_list(*fields), key=lambda r: r[-1])


def test_the_set_wise_loader_accepts_the_same_rows_with_the_same_values_as_the_row_parser(settlement_file):
    # given: valid rows in many spellings, some only the reference parser accepts (padding, "+", "1e1")
    from payments.reconciliation.csv_format import settlement_file_read

    start, end = period()
    day = start + dt.timedelta(days=1)
    rows = [
        row("ch_1", "charge", "12.50", settled_at=f"{day}T10:00:00Z"),
        row("ch_2", "charge", "1000", "jpy", fee="30", settled_at=f"{day}T23:30:00-01:00"),
        row("re_1", "refund", "-3.10", settled_at=f"{day}"),
        row("dp_1", "adjustment", "-20.00", fee="15.00", settled_at=f"{day}T10:00:00.123456+02:00"),
        row("po_1", "payout", "-9.00", settled_at=f"{day}T10:00:00.250"),
        row("", "charge", "7.00", settled_at=f"{day}T00:00:00+00:00"),
        row("ch_3", "charge", "1.234", "BHD", rate="0.920000000001", payout="po_1", record_id="txn_9"),
        row("  ch_4 ", " Charge", "+1.00", " eur", net="1.00", settled_at=f" {day}T01:02:03Z"),
        row("ch_5", "charge", "1e1", net="10.00", settled_at=f"{day}T01:02:03"),
    ]
    path = settlement_file(rows)
    # when
    by_sql = _staged_by_sql(path, start, end)
    by_row = sorted(
        (
            (
                r.record_id,
                r.reference,
                r.type,
                r.amount,
                r.fee,
                r.net,
                r.currency,
                r.exchange_rate,
                r.settled_at,
                r.payout_reference,
                r.line,
            )
            for r in settlement_file_read(path=path, gateway="stripe", start=start, end=end)
        ),
        key=lambda r: r[-1],
    )
    # then
    assert len(by_sql) == len(rows) == len(by_row)
    assert [(*r[:7], r[7] and r[7].normalize(), *r[8:]) for r in by_sql] == [
        (*r[:7], r[7] and r[7].normalize(), *r[8:]) for r in by_row
    ]
    assert by_sql[1][3:7] == (1000, 30, 970, "JPY")
    assert by_sql[6][3] == 1234 and by_sql[6][0] == "txn_9"


def test_a_quoted_file_is_read_row_by_row_with_exact_line_numbers(settlement_file, tmp_path):
    paid(2500, charge="ch_q1")
    start, end = period()
    now = timezone.now().isoformat()
    path = tmp_path / "quoted.csv"
    path.write_text(
        "gateway,reference,type,amount,fee,net,currency,settled_at,payout_reference\n"
        f'stripe,ch_q1,charge,25.00,0.00,25.00,EUR,{now},"po,with comma"\n'
        f'stripe,"ch_\nq2",charge,1.00,0.00,1.00,EUR,{now},\n'  # a quoted line break: lines 3-4
        f"stripe,ch_q3,charge,1.00,0.00,2.00,EUR,{now},\n"  # line 5: bad net
    )
    with pytest.raises(SettlementFileError) as caught:
        reconciliation_run_now(
            gateway="stripe", period_start=start, period_end=end, source=SettlementFileSource(path, "stripe")
        )
    assert [line for line, _ in caught.value.errors] == [5]
