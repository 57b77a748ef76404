"""Export alerts as JSON lines: rule, customer_id (external id), transaction_ids (the source's own
transaction ids, as imported), score, created_at.

A bulk read of compliance data: the export is an audit event (filter, row count, destination),
like every look at it through the admin or the API."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from compliance.monitoring.selectors import alerts_evidence_source_ids, alerts_list
from fintech.services.audit import audit_event_record


class Command(BaseCommand):
    help = "Write alerts as JSON lines to stdout (or --output)."

    def add_arguments(self, parser):
        parser.add_argument("--status", default=None)
        parser.add_argument("--output", default=None)

    def handle(self, *args, status, output, **options):
        alerts = (
            alerts_list(status=status)
            .order_by("pk")
            .only("pk", "rule_code", "customer__external_id", "transaction_ids", "score", "created_at")
        )
        out = open(output, "w", encoding="utf-8") if output else self.stdout  # noqa: SIM115
        written = 0
        try:
            for chunk in _chunks(alerts.iterator(chunk_size=2000), 2000):
                source_ids = alerts_evidence_source_ids(alerts=chunk)
                for alert in chunk:
                    out.write(
                        json.dumps(
                            {
                                "rule": alert.rule_code,
                                "customer_id": alert.customer.external_id,
                                "transaction_ids": source_ids[alert.pk],
                                "score": alert.score,
                                "created_at": alert.created_at.isoformat(),
                            }
                        )
                        + "\n"
                    )
                    written += 1
        finally:
            if output:
                out.close()
            audit_event_record(
                action="compliance.alert.exported",
                actor_label="export_alerts command",
                target_type="compliance.Alert",
                after={"status": status, "count": written, "output": output or "stdout"},
            )


def _chunks(items, size: int):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
