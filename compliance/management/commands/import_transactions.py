"""Import a core-banking CSV of transactions into monitoring (streamed; safe to re-run)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from compliance.monitoring.services.imports import transactions_import


class Command(BaseCommand):
    help = "Import transactions from CSV: bad rows are reported by line number, the rest imported."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options):
        if not file.is_file():
            raise CommandError(f"{file} is not a file")
        with file.open(newline="", encoding="utf-8") as stream:
            summary = transactions_import(stream=stream, filename=file.name)
        for line, reason in summary.errors:
            self.stderr.write(f"line {line}: {reason}")
        self.stdout.write(
            f"imported {summary.imported}, skipped {summary.skipped}, rejected {summary.rejected}"
            f" (customers created {summary.customers_created}; parties screened"
            f" {summary.parties_screened}, new screening hits {summary.screening_hits})"
        )
