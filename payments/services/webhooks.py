"""Gateway webhooks: store the verified delivery, then apply its effect exactly once."""

from __future__ import annotations

import json
import logging

from django.db import transaction
from django.utils import timezone

from fintech.errors import DomainError
from fintech.money import MoneyError
from fintech.outbox import outbox_task_enqueue
from fintech.services.audit import audit_event_record
from fintech.truncation import truncate_to_field
from payments.errors import GatewayUnavailableError
from payments.models import WebhookDelivery
from payments.services.braintree_events import (
    braintree_event_apply,
    braintree_event_prefetch,
    braintree_notification_read,
)
from payments.services.delivery_store import delivery_insert_once
from payments.services.stripe_events import stripe_event_apply, stripe_event_prefetch

logger = logging.getLogger(__name__)
Status = WebhookDelivery.Status


def webhook_delivery_store(*, provider: str, event_key: str, event_type: str, raw_body: str) -> tuple[int, bool]:
    """Store a verified delivery once, with its apply task in the outbox: the webhook
    views' call, which needs only the delivery's id.

    Returns (delivery id, created). A redelivery (same provider and event key) meets
    the unique constraint: the stored row's id is returned and nothing is enqueued, so
    nothing happens twice. When this returns, a new row and its outbox message are
    committed (unless the caller holds a transaction open), so a 2xx after it never
    acknowledges a delivery that a crash or a broker outage could lose: the relay sends
    the task whenever the broker is back.
    """
    event_type = truncate_to_field(WebhookDelivery, "event_type", event_type)
    delivery_id = delivery_insert_once(
        provider=provider, event_key=event_key, event_type=event_type, raw_body=raw_body, received_at=timezone.now()
    )
    if delivery_id is None:
        stored = WebhookDelivery.objects.filter(provider=provider, event_key=event_key)
        return stored.values_list("pk", flat=True).get(), False
    return delivery_id, True


def webhook_delivery_record(
    *, provider: str, event_key: str, event_type: str, raw_body: str
) -> tuple[WebhookDelivery, bool]:
    """`webhook_delivery_store`, returning the stored row itself: (delivery, created)."""
    delivery_id, created = webhook_delivery_store(
        provider=provider, event_key=event_key, event_type=event_type, raw_body=raw_body
    )
    return WebhookDelivery.objects.get(pk=delivery_id), created


def webhook_delivery_retry(*, delivery: WebhookDelivery, actor=None) -> bool:
    """Put a failed delivery back to be applied again (after the cause was fixed)."""
    with transaction.atomic():
        if not WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.FAILED).update(status=Status.RECEIVED):
            return False
        audit_event_record(
            action="payments.webhook_delivery.retried",
            actor=actor,
            target=delivery,
            before={"status": Status.FAILED, "error": delivery.error},
            after={"status": Status.RECEIVED},
        )
        outbox_task_enqueue("payments.apply_webhook_delivery", delivery.pk)
    return True


def _finish(delivery: WebhookDelivery, *, status: str, note: str) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=status,
        error=note if status == Status.FAILED else "",
        processed_at=timezone.now(),
        attempts=delivery.attempts + 1,
    )
    audit_event_record(
        action=f"payments.webhook_delivery.{status}",
        target=delivery,
        outcome="failure" if status == Status.FAILED else "success",
        before={"status": delivery.status},
        after={"status": status, "event_type": delivery.event_type, "event_key": delivery.event_key, "note": note},
    )


def _stripe(raw_body: str):
    event = json.loads(raw_body)
    prefetched = stripe_event_prefetch(event)
    return lambda: stripe_event_apply(event, prefetched)


def _braintree(raw_body: str):
    notification = braintree_notification_read(raw_body)
    prefetched = braintree_event_prefetch(notification)
    return lambda: braintree_event_apply(notification, prefetched)


# provider -> reads a stored body (and the gateway) and returns the effect to apply
PROVIDERS = {"stripe": _stripe, "braintree": _braintree}


def webhook_delivery_apply(*, delivery_id: int) -> str:
    """Apply a stored delivery's effect, once; return the delivery's final status.

    The delivery row is locked and re-checked inside the transaction that applies the
    effect, so concurrent or repeated calls (a redelivered task, a second worker)
    find it already applied and do nothing. A transient gateway error propagates
    (the task retries; nothing was written); a permanent one marks the delivery
    failed for a person to look at.
    """
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    if delivery.status != Status.RECEIVED:
        return delivery.status
    if delivery.provider not in PROVIDERS:
        raise LookupError(f"no event handlers for provider {delivery.provider!r}")
    try:
        apply = PROVIDERS[delivery.provider](delivery.raw_body)  # reads the gateway first, outside the transaction
        with transaction.atomic():
            locked = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
            if locked.status != Status.RECEIVED:
                return locked.status
            outcome = apply()
            _finish(locked, status=outcome.status, note=outcome.note)
            return outcome.status
    except GatewayUnavailableError:
        raise
    except (DomainError, MoneyError, KeyError, TypeError, ValueError) as exc:
        # Permanent: the same input would fail the same way. Recorded, not retried.
        logger.warning("webhook delivery %s failed: %s", delivery_id, exc)
        with transaction.atomic():
            locked = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
            if locked.status != Status.RECEIVED:
                return locked.status
            _finish(locked, status=Status.FAILED, note=f"{type(exc).__name__}: {exc}"[:2000])
        return Status.FAILED
