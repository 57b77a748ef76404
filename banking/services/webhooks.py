"""Storing verified Plaid webhooks once, and applying each once."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from banking.models import PlaidItem, PlaidWebhookEvent
from banking.services.items import item_status_change
from fintech.outbox import outbox_task_enqueue
from fintech.services.audit import audit_event_record
from fintech.truncation import truncate_to_field

Status = PlaidItem.Status


def content_digest(payload: dict) -> str:
    """SHA-256 of the canonical JSON: key order and whitespace do not make a new delivery."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def plaid_webhook_record(*, payload: dict) -> tuple[PlaidWebhookEvent, bool]:
    """Store a verified webhook and, in the same transaction, its apply task (outbox).
    A duplicate returns the first row."""
    digest = content_digest(payload)
    try:
        with transaction.atomic():
            event = PlaidWebhookEvent.objects.create(
                content_sha256=digest,
                webhook_type=truncate_to_field(PlaidWebhookEvent, "webhook_type", str(payload["webhook_type"])),
                webhook_code=truncate_to_field(PlaidWebhookEvent, "webhook_code", str(payload["webhook_code"])),
                item_id=truncate_to_field(PlaidWebhookEvent, "item_id", str(payload.get("item_id") or "")),
                payload=payload,
            )
            outbox_task_enqueue("banking.apply_plaid_webhook", event.pk)
    except IntegrityError:
        return PlaidWebhookEvent.objects.get(content_sha256=digest), False
    return event, True


def _sync_available(event: PlaidWebhookEvent, item: PlaidItem) -> str:
    outbox_task_enqueue("banking.sync_item_transactions", item.pk)
    return "sync enqueued"


def _item_error(event: PlaidWebhookEvent, item: PlaidItem) -> str:
    code = str((event.payload.get("error") or {}).get("error_code") or "UNKNOWN")
    code = truncate_to_field(PlaidItem, "error_code", code)
    status = Status.NEEDS_UPDATE if code == "ITEM_LOGIN_REQUIRED" else item.status
    item_status_change(item_id=item.pk, status=status, error_code=code, reason=f"webhook {event.webhook_code}")
    return f"error {code}"


def _pending_expiration(event: PlaidWebhookEvent, item: PlaidItem) -> str:
    expires = parse_datetime(str(event.payload.get("consent_expiration_time") or ""))
    item_status_change(
        item_id=item.pk,
        status=Status.PENDING_EXPIRATION,
        error_code=item.error_code,
        reason=f"webhook {event.webhook_code}",
        consent_expires_at=expires,
    )
    return "pending expiration"


def _revoked(event: PlaidWebhookEvent, item: PlaidItem) -> str:
    item_status_change(item_id=item.pk, status=Status.REVOKED, error_code="", reason=f"webhook {event.webhook_code}")
    return "revoked"


def _login_repaired(event: PlaidWebhookEvent, item: PlaidItem) -> str:
    item_status_change(item_id=item.pk, status=Status.HEALTHY, error_code="", reason=f"webhook {event.webhook_code}")
    return "healthy"


def _new_accounts(event: PlaidWebhookEvent, item: PlaidItem) -> str:
    item_status_change(
        item_id=item.pk,
        status=item.status,
        error_code=item.error_code,
        reason=f"webhook {event.webhook_code}",
        new_accounts_available=True,
    )
    return "new accounts flagged"


def _transfer_events(event: PlaidWebhookEvent, item: PlaidItem | None) -> str:
    outbox_task_enqueue("banking.sync_transfer_events")
    return "transfer event sync enqueued"


ITEM_HANDLERS: dict[tuple[str, str], Callable[[PlaidWebhookEvent, PlaidItem], str]] = {
    ("TRANSACTIONS", "SYNC_UPDATES_AVAILABLE"): _sync_available,
    ("ITEM", "ERROR"): _item_error,
    ("ITEM", "PENDING_EXPIRATION"): _pending_expiration,
    ("ITEM", "PENDING_DISCONNECT"): _pending_expiration,
    ("ITEM", "USER_PERMISSION_REVOKED"): _revoked,
    ("ITEM", "LOGIN_REPAIRED"): _login_repaired,
    ("ITEM", "NEW_ACCOUNTS_AVAILABLE"): _new_accounts,
}
GLOBAL_HANDLERS = {("TRANSFER", "TRANSFER_EVENTS_UPDATE"): _transfer_events}


def plaid_webhook_apply(*, event_id: int) -> str:
    """Apply one stored webhook, once: the row is locked and applied rows are left alone."""
    with transaction.atomic():
        event = PlaidWebhookEvent.objects.select_for_update().get(pk=event_id)
        if event.status != PlaidWebhookEvent.Status.RECEIVED:
            return f"already {event.status}"
        key = (event.webhook_type, event.webhook_code)
        item = PlaidItem.objects.filter(item_id=event.item_id).first() if event.item_id else None
        if key in GLOBAL_HANDLERS:
            result, status = GLOBAL_HANDLERS[key](event, item), PlaidWebhookEvent.Status.APPLIED
        elif key in ITEM_HANDLERS and item is not None:
            result, status = ITEM_HANDLERS[key](event, item), PlaidWebhookEvent.Status.APPLIED
        else:
            result = "unknown item" if key in ITEM_HANDLERS else "not handled"
            status = PlaidWebhookEvent.Status.IGNORED
        event.status, event.applied_at = status, timezone.now()
        event.result = truncate_to_field(PlaidWebhookEvent, "result", result)
        event.save(update_fields=["status", "result", "applied_at"])
        audit_event_record(
            action=f"banking.webhook.{status}",
            target=event,
            after={"type": event.webhook_type, "code": event.webhook_code, "result": result},
        )
    return result
