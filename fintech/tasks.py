from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from fintech import request_context
from fintech.services.audit import audit_chain_verify

logger = logging.getLogger(__name__)


@shared_task(name="fintech.ping", time_limit=30, soft_time_limit=25)
def ping(message: str = "ping") -> dict:
    """Round-trip check for a worker: echoes the message with the worker's clock."""
    return {"echo": message, "at": timezone.now().isoformat(), "request_id": request_context.current().request_id}


@shared_task(name="fintech.verify_audit_chain", time_limit=3600, soft_time_limit=3500)
def verify_audit_chain() -> dict:
    """Nightly: walk the audit chain and shout if it is broken. Read-only, safe to rerun."""
    result = audit_chain_verify()
    if not result.ok:
        logger.critical(
            "audit chain broken at seq %s: %s", result.first_bad_seq, result.reason,
        )
    return {"ok": result.ok, "checked": result.checked, "first_bad_seq": result.first_bad_seq}
