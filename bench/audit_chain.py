"""Audit-trail append throughput: every audited change serialises on the chain head."""

from __future__ import annotations

import statistics
import time

from django.db import transaction


def run() -> list[dict]:
    from fintech.services.audit import audit_chain_verify, audit_event_record

    latencies = []
    count = 2000
    started = time.perf_counter()
    for i in range(count):
        t0 = time.perf_counter()
        with transaction.atomic():
            audit_event_record(action="bench.audit.append", actor_label="bench", after={"i": i})
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    verify_started = time.perf_counter()
    verified = audit_chain_verify()
    verify_seconds = time.perf_counter() - verify_started
    latencies.sort()
    return [
        {"name": "audit events appended per second (1 writer)", "value": round(count / elapsed), "unit": "events/s",
         "met": None},
        {"name": "audit append p50", "value": round(statistics.median(latencies) * 1000, 2), "unit": "ms",
         "met": None},
        {"name": "audit append p99", "value": round(latencies[int(len(latencies) * 0.99)] * 1000, 2), "unit": "ms",
         "met": None},
        {"name": f"verify_audit_chain over {verified.checked} rows", "value": round(verify_seconds, 2), "unit": "s",
         "met": verified.ok},
    ]
