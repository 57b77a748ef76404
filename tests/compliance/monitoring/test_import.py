"""`import_transactions`: streamed, batched, re-runnable; bad rows reported by line."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from compliance.monitoring.models import Alert, MonitoredTransaction
from compliance.monitoring.services.evaluation import aml_scan_run
from compliance.monitoring.services.imports import transactions_import
from fintech.models import AuditEvent, Customer, OutboxMessage

pytestmark = pytest.mark.django_db
HEADER = (
    "transaction_id,occurred_at,customer_id,account_id,direction,amount,currency,channel,counterparty_name,"
    "counterparty_account,counterparty_country\n"
)
GOOD = [
    "t1,2026-05-01T10:00:00+02:00,C-1,A-1,in,1250.50,GBP,wire,ACME Ltd,GB00X,GB\n",
    "t2,2026-05-01T11:00:00+00:00,C-2,A-2,out,99,JPY,card,Shop,,\n",
]


def _csv(*rows: str) -> str:
    return HEADER + "".join(rows)


def test_rows_are_imported_with_exact_minor_units_and_customers_created(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text(_csv(*GOOD))
    out = io.StringIO()
    call_command("import_transactions", str(path), stdout=out)
    assert "imported 2, skipped 0, rejected 0" in out.getvalue()
    t1 = MonitoredTransaction.objects.get(source_id="t1")
    assert (t1.amount, t1.currency, t1.direction, t1.customer.external_id) == (125050, "GBP", "in", "C-1")
    assert t1.occurred_at.isoformat() == "2026-05-01T08:00:00+00:00"
    assert MonitoredTransaction.objects.get(source_id="t2").amount == 99
    assert set(Customer.objects.values_list("external_id", flat=True)) >= {"C-1", "C-2"}
    assert AuditEvent.objects.filter(action="compliance.transactions.imported").exists()


def test_a_rerun_skips_what_was_imported():
    transactions_import(stream=io.StringIO(_csv(*GOOD)))
    summary = transactions_import(stream=io.StringIO(_csv(*GOOD, GOOD[0].replace("t1", "t3"))))
    assert (summary.imported, summary.skipped, summary.rejected) == (1, 2, 0)
    assert MonitoredTransaction.objects.count() == 3


def test_malformed_rows_are_rejected_with_their_line_numbers_and_the_rest_imported(tmp_path):
    path = tmp_path / "tx.csv"
    path.write_text(
        _csv(
            GOOD[0],
            "t9,yesterday,C-1,A-1,in,10.00,GBP,wire,,,\n",  # line 3
            "t10,2026-05-01T10:00:00+00:00,C-1,A-1,sideways,10.00,GBP,wire,,,\n",  # line 4
            "t11,2026-05-01T10:00:00+00:00,C-1,A-1,in,10.001,GBP,wire,,,\n",  # line 5
            "t12,2026-05-01T10:00:00,C-1,A-1,in,10.00,GBP,wire,,,\n",  # line 6: no offset
            "t13,2026-05-01T10:00:00+00:00,C-1\n",  # line 7: short
            GOOD[1],
        )
    )
    out, err = io.StringIO(), io.StringIO()
    call_command("import_transactions", str(path), stdout=out, stderr=err)
    assert "imported 2, skipped 0, rejected 5" in out.getvalue()
    lines = err.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == ["line 3", "line 4", "line 5", "line 6", "line 7"]
    assert "direction" in lines[1] and "decimals" in lines[2] and "offset" in lines[3]
    assert set(MonitoredTransaction.objects.values_list("source_id", flat=True)) == {"t1", "t2"}


def test_a_wrong_header_imports_nothing():
    summary = transactions_import(stream=io.StringIO("a,b\n1,2\n"))
    assert summary.rejected == 1 and summary.errors[0][0] == 1
    assert not MonitoredTransaction.objects.exists()


def test_created_customers_and_counterparties_are_screened_once_per_file(tmp_path, sdn_subset):
    from compliance.screening.models import ScreeningHit

    path = tmp_path / "tx.csv"
    path.write_text(
        _csv(
            "s1,2026-05-01T10:00:00+00:00,C-9,A-9,out,10,GBP,wire,Joaquin Guzman Loera,MX01,MX\n",
            "s2,2026-05-01T11:00:00+00:00,C-9,A-9,out,20,GBP,wire,joaquin  guzman loera,MX01,MX\n",
            "s3,2026-05-01T12:00:00+00:00,C-10,A-9,in,30,GBP,wire,Jane Plain,GB02,GB\n",
        )
    )
    out = io.StringIO()
    call_command("import_transactions", str(path), stdout=out)
    # two new customers, two distinct counterparty names (the repeat is the same name)
    assert "parties screened 4, new screening hits 1" in out.getvalue()
    hit = ScreeningHit.objects.get()
    first = MonitoredTransaction.objects.get(source_id="s1")
    assert (hit.party_type, hit.party_id, hit.status) == ("compliance.MonitoredTransaction", str(first.pk), "pending")
    # a re-run imports nothing, so screens nothing
    out = io.StringIO()
    call_command("import_transactions", str(path), stdout=out)
    assert "imported 0, skipped 3" in out.getvalue() and "parties screened 0" in out.getvalue()
    assert ScreeningHit.objects.count() == 1


def test_an_imported_file_of_old_transactions_is_evaluated_as_it_lands(monitoring_consumer, relay):
    # given: a file of transactions two years old, one of them large
    old = [
        "old-1,2024-03-01T10:00:00+00:00,C-OLD,A-1,in,15000.00,GBP,wire,ACME Ltd,GB00SECRET1,GB\n",
        "old-2,2024-03-02T10:00:00+00:00,C-OLD,A-1,out,12.00,GBP,card,Shop,,\n",
    ]
    # when: imported, the outbox relayed and the stream consumed (as the running processes do)
    transactions_import(stream=io.StringIO(_csv(*old)))
    relay()
    assert monitoring_consumer.consume_once("c1", block_ms=100) == 2
    # then: decided at once, whatever their dates, and each stored once
    customer = Customer.objects.get(external_id="C-OLD")
    assert Alert.objects.filter(customer=customer, rule_code="large_transaction").count() == 1
    assert MonitoredTransaction.objects.filter(source="import", source_id__in=["old-1", "old-2"]).count() == 2
    # the counterparty's account number never sat in the outbox in the clear, and is gone once sent
    assert not OutboxMessage.objects.filter(payload__icontains="GB00SECRET1").exists()
    assert not OutboxMessage.objects.filter(sealed__isnull=False).exists()


def test_the_nightly_scan_also_covers_what_arrived_in_its_period_whatever_its_dates():
    # given: a large transaction dated long ago, imported (arrived) today
    transactions_import(
        stream=io.StringIO(_csv("late-1,2024-03-01T10:00:00+00:00,C-LATE,A-1,in,15000.00,GBP,wire,ACME Ltd,,GB\n"))
    )
    today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    # when: the batch scan runs over today (not 2024)
    result = aml_scan_run(start=today, end=today + datetime.timedelta(days=1))
    # then
    assert result["arrived_out_of_period"] == 1
    assert Alert.objects.filter(customer__external_id="C-LATE", rule_code="large_transaction").count() == 1
