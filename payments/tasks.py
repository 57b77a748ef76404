from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.db import InterfaceError, OperationalError

from payments.errors import GatewayUnavailableError
from payments.selectors import webhook_delivery_stale_ids
from payments.services.payments import payment_submit_pending
from payments.services.webhooks import webhook_delivery_apply


@shared_task(
    name="payments.apply_webhook_delivery",
    acks_late=True,
    reject_on_worker_lost=True,  # the task option behind the task_reject_on_worker_lost setting
    autoretry_for=(GatewayUnavailableError, OperationalError, InterfaceError),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
    time_limit=120,
    soft_time_limit=100,
)
def apply_webhook_delivery(delivery_id: int) -> str:
    """Apply one stored webhook delivery.

    Safe to run twice (late ack, a lost worker, a retry): the service locks the
    delivery and does nothing once it is applied, and every money movement carries an
    idempotency key. Only transient errors retry; they roll back everything first.
    """
    return webhook_delivery_apply(delivery_id=delivery_id)


@shared_task(name="payments.requeue_stale_webhook_deliveries", time_limit=120, soft_time_limit=100)
def requeue_stale_webhook_deliveries(older_than_seconds: int = 900) -> int:
    """Beat: enqueue deliveries whose task never ran (broker down at commit, a lost
    message). Safe to overlap with a retrying task: applying is idempotent."""
    ids = webhook_delivery_stale_ids(older_than=timedelta(seconds=older_than_seconds))
    for delivery_id in ids:
        apply_webhook_delivery.delay(delivery_id)
    return len(ids)


@shared_task(
    name="payments.submit_payment",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(GatewayUnavailableError, OperationalError, InterfaceError),
    retry_backoff=5,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
    time_limit=60,
    soft_time_limit=50,
)
def submit_payment(payment_id: int) -> str:
    """Create a pending payment at its gateway.

    Safe to retry and to run twice: the gateway call carries an idempotency key derived
    from our payment id (a second call gets the same PaymentIntent back), and the link
    is written by a conditional update. Only transient errors retry.
    """
    return payment_submit_pending(payment_id=payment_id)
