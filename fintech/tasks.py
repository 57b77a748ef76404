from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from fintech import request_context
from fintech.services.audit import AuditChainBroken, audit_chain_verify
from fintech.services.audit import audit_checkpoint_write as audit_checkpoint_write_service

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
            "audit chain broken at seq %s: %s",
            result.first_bad_seq,
            result.reason,
        )
    return {"ok": result.ok, "checked": result.checked, "first_bad_seq": result.first_bad_seq}


@shared_task(name="fintech.audit_checkpoint_write", time_limit=600, soft_time_limit=540)
def audit_checkpoint_write() -> dict:
    """Every few minutes: pin the chain head outside the database with a signed checkpoint.

    No retries: the next beat tick writes the next checkpoint, and a broken chain must
    be looked at by a person, not retried. Appending a checkpoint twice is harmless.
    """
    try:
        checkpoint = audit_checkpoint_write_service()
    except AuditChainBroken as exc:
        logger.critical(
            "audit checkpoint refused, chain broken at seq %s: %s",
            exc.verification.first_bad_seq,
            exc.verification.reason,
        )
        return {"ok": False, "first_bad_seq": exc.verification.first_bad_seq}
    return {"ok": True, "seq": checkpoint.seq, "key_id": checkpoint.key_id}
