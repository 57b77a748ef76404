"""Run the batch AML scan over a period."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError

from compliance.monitoring.services.evaluation import aml_scan_run


def parse_day_or_time(text: str) -> datetime.datetime:
    """YYYY-MM-DD (midnight UTC) or ISO 8601 with an offset."""
    try:
        value = datetime.datetime.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"{text!r} is not a date or ISO 8601 time") from exc
    return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)


class Command(BaseCommand):
    help = "Evaluate every enabled rule over the transactions of [--from, --to) and record new alerts."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, type=parse_day_or_time)
        parser.add_argument("--to", dest="end", required=True, type=parse_day_or_time)

    def handle(self, *args, start, end, **options):
        if end <= start:
            raise CommandError("--to must be after --from")
        result = aml_scan_run(start=start, end=end)
        self.stdout.write(" ".join(f"{k}={v}" for k, v in result.items()))
