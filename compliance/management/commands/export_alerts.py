"""Export alerts as JSON lines: rule, customer_id (external id), transaction_ids, score, created_at.

A bulk read of compliance data: the export is an audit event (filter, row count, destination),
like every look at it through the admin or the API."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from compliance.selectors import alerts_list
from fintech.services.audit import audit_event_record


class Command(BaseCommand):
    help = "Write alerts as JSON lines to stdout (or --output)."

    def add_arguments(self, parser):
        parser.add_argument("--status", default=None)
        parser.add_argument("--output", default=None)

    def handle(self, *args, status, output, **options):
        rows = alerts_list(status=status).order_by("pk").values_list(
            "rule_code", "customer__external_id", "transaction_ids", "score", "created_at")
        out = open(output, "w", encoding="utf-8") if output else self.stdout  # noqa: SIM115
        written = 0
        try:
            for rule, customer, ids, score, created_at in rows.iterator(chunk_size=2000):
                out.write(json.dumps({"rule": rule, "customer_id": customer, "transaction_ids": ids, "score": score,
                                      "created_at": created_at.isoformat()}) + "\n")
                written += 1
        finally:
            if output:
                out.close()
            audit_event_record(action="compliance.alert.exported", actor_label="export_alerts command",
                               target_type="compliance.Alert",
                               after={"status": status, "count": written, "output": output or "stdout"})
