"""Export alerts as JSON lines: rule, customer_id (external id), transaction_ids, score, created_at."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from compliance.selectors import alerts_list


class Command(BaseCommand):
    help = "Write alerts as JSON lines to stdout (or --output)."

    def add_arguments(self, parser):
        parser.add_argument("--status", default=None)
        parser.add_argument("--output", default=None)

    def handle(self, *args, status, output, **options):
        rows = alerts_list(status=status).order_by("pk").values_list(
            "rule_code", "customer__external_id", "transaction_ids", "score", "created_at")
        out = open(output, "w", encoding="utf-8") if output else self.stdout  # noqa: SIM115
        try:
            for rule, customer, ids, score, created_at in rows.iterator(chunk_size=2000):
                out.write(json.dumps({"rule": rule, "customer_id": customer, "transaction_ids": ids, "score": score,
                                      "created_at": created_at.isoformat()}) + "\n")
        finally:
            if output:
                out.close()
