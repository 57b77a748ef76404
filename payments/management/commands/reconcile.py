"""`python manage.py reconcile --gateway stripe --date 2026-11-20 [--days 1] [--file settlement.csv]`:
run one period now, in this process, and print its counts."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from fintech.errors import DomainError
from payments.reconciliation.runs import reconciliation_run_now
from payments.reconciliation.sources import API_SOURCES, SettlementFileSource


class Command(BaseCommand):
    help = "Reconcile a gateway's records of one period (UTC days) against the ledger."

    def add_arguments(self, parser):
        parser.add_argument("--gateway", required=True, choices=sorted(API_SOURCES))
        parser.add_argument("--date", required=True, type=dt.date.fromisoformat, help="first day, YYYY-MM-DD")
        parser.add_argument("--days", type=int, default=1, help="length of the period in days (default 1)")
        parser.add_argument("--file", default=None, help="a settlement report CSV instead of the gateway's API")

    def handle(self, *args, gateway, date, days, file, **options):
        if days < 1:
            raise CommandError("--days must be at least 1")
        source = SettlementFileSource(file, gateway) if file else None
        try:
            run = reconciliation_run_now(
                gateway=gateway, period_start=date, period_end=date + dt.timedelta(days=days), source=source
            )
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        counts = ", ".join(f"{name} {count}" for name, count in run.counts.items() if count)
        self.stdout.write(f"{run}: {run.records_fetched} gateway records, {run.items_total} items ({counts})")
