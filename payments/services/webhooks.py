"""Gateway webhooks: store the verified delivery, then apply its effect exactly once."""

from __future__ import annotations

import json
import logging
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone

from fintech.api.exceptions import DomainError
from fintech.money import MoneyError
from fintech.services.audit import audit_event_record
from payments.errors import GatewayUnavailableError
from payments.models import WebhookDelivery
from payments.services.stripe_events import stripe_event_apply, stripe_event_prefetch

logger = logging.getLogger(__name__)
Status = WebhookDelivery.Status


def _enqueue(delivery_id: int) -> None:
    from payments.tasks import apply_webhook_delivery  # tasks import services, not the reverse

    apply_webhook_delivery.delay(delivery_id)


def webhook_delivery_record(
    *, provider: str, event_key: str, event_type: str, raw_body: str
) -> tuple[WebhookDelivery, bool]:
    """Store a verified delivery once and enqueue its application after commit.

    A redelivery (same provider and event key) hits the unique constraint: the
    existing row is returned and nothing is enqueued, so nothing happens twice.
    """
    try:
        with transaction.atomic():
            delivery = WebhookDelivery.objects.create(
                provider=provider, event_key=event_key, event_type=event_type[:100], raw_body=raw_body
            )
            # robust: a broker outage must not turn a stored delivery into a 500 (Stripe
            # would redeliver to a duplicate); the stale-delivery sweep enqueues it later.
            transaction.on_commit(partial(_enqueue, delivery.pk), robust=True)
    except IntegrityError:
        return WebhookDelivery.objects.get(provider=provider, event_key=event_key), False
    return delivery, True


def webhook_delivery_retry(*, delivery: WebhookDelivery, actor=None) -> bool:
    """Put a failed delivery back to be applied again (after the cause was fixed)."""
    with transaction.atomic():
        if not WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.FAILED).update(status=Status.RECEIVED):
            return False
        audit_event_record(action="payments.webhook_delivery.retried", actor=actor, target=delivery,
                           before={"status": Status.FAILED, "error": delivery.error},
                           after={"status": Status.RECEIVED})
        transaction.on_commit(partial(_enqueue, delivery.pk), robust=True)
    return True


def _finish(delivery: WebhookDelivery, *, status: str, note: str) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=status, error=note if status == Status.FAILED else "", processed_at=timezone.now(),
        attempts=delivery.attempts + 1,
    )
    audit_event_record(
        action=f"payments.webhook_delivery.{status}", target=delivery,
        outcome="failure" if status == Status.FAILED else "success",
        before={"status": delivery.status},
        after={"status": status, "event_type": delivery.event_type, "event_key": delivery.event_key, "note": note},
    )


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
    if delivery.provider != "stripe":
        raise LookupError(f"no event handlers for provider {delivery.provider!r}")
    try:
        event = json.loads(delivery.raw_body)
        prefetched = stripe_event_prefetch(event)
        with transaction.atomic():
            locked = WebhookDelivery.objects.select_for_update().get(pk=delivery_id)
            if locked.status != Status.RECEIVED:
                return locked.status
            outcome = stripe_event_apply(event, prefetched)
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
