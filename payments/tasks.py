from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from payments.errors import GatewayUnavailableError
from payments.reconciliation.runs import reconciliation_run_execute, reconciliation_runs_nightly
from payments.services.braintree_payments import braintree_sale_submit
from payments.services.payments import payment_submit_pending
from payments.services.webhooks import webhook_delivery_apply

# Tasks with effects: acknowledged after the work (a lost worker's message is redelivered),
# retried with jittered backoff on transient gateway and database errors only.
AT_LEAST_ONCE_RETRYING = {
    "acks_late": True,
    "reject_on_worker_lost": True,  # the task option behind the task_reject_on_worker_lost setting
    "autoretry_for": (GatewayUnavailableError, OperationalError, InterfaceError),
    "retry_jitter": True,
}


@shared_task(
    name="payments.apply_webhook_delivery",
    **AT_LEAST_ONCE_RETRYING,
    retry_backoff=5,
    retry_backoff_max=600,
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


@shared_task(
    bind=True,
    name="payments.submit_payment",
    **AT_LEAST_ONCE_RETRYING,
    retry_backoff=5,
    retry_backoff_max=600,
    max_retries=8,
    time_limit=60,
    soft_time_limit=50,
)
def submit_payment(self, payment_id: int) -> str:
    """Create a pending payment at its gateway.

    Safe to retry and to run twice: the gateway call carries an idempotency key derived
    from our payment id (a second call gets the same PaymentIntent back), and the link
    is written by a conditional update. Only transient errors retry; a refusal, or a
    transient error on the last try, leaves the payment failed with its reason.
    """
    return payment_submit_pending(payment_id=payment_id, last_attempt=self.request.retries >= self.max_retries)


@shared_task(
    name="payments.submit_braintree_sale",
    **AT_LEAST_ONCE_RETRYING,
    retry_backoff=5,
    retry_backoff_max=600,
    max_retries=8,
    time_limit=90,
    soft_time_limit=75,
)
def submit_braintree_sale(payment_id: int, nonce: str) -> str:
    """Make a pending Braintree payment's sale with the Drop-in's nonce.

    Safe to retry and to run twice: the sale's order_id is derived from our payment id
    and searched for before a sale is made, submissions of one payment are serialised
    (a second one retries later), and the link is a conditional update. The nonce is
    single-use and short-lived; it lives only in this message, never in the database.
    """
    return braintree_sale_submit(payment_id=payment_id, nonce=nonce)


@shared_task(
    name="payments.reconcile",
    **AT_LEAST_ONCE_RETRYING,
    retry_backoff=60,
    retry_backoff_max=1800,
    max_retries=5,
    time_limit=3600,
    soft_time_limit=3300,
)
def reconcile(run_id: int) -> str:
    """Execute a queued reconciliation run.

    Safe to run twice and to retry: only a queued run (or one left running by a lost
    worker) is claimed, and a run replaces its period's results in one transaction. A
    transient gateway error puts the run back in the queue before it is retried.
    """
    return reconciliation_run_execute(run_id=run_id).status


@shared_task(name="payments.reconcile_previous_day", time_limit=120, soft_time_limit=100)
def reconcile_previous_day() -> int:
    """Beat, nightly: queue yesterday (UTC) for every configured gateway."""
    return len(reconciliation_runs_nightly())
