"""Thin Celery tasks over the banking services. Each takes ids and is safe to run twice."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError, transaction

from banking.errors import SyncRestartLimitError
from banking.plaid import PlaidUnavailableError
from banking.selectors import items_due_for_sync
from banking.services.items import item_link_exchange
from banking.services.sync import item_transactions_sync
from banking.services.transfers import transfer_events_sync
from banking.services.webhooks import plaid_webhook_apply
from fintech.outbox import outbox_task_enqueue

TRANSIENT = (PlaidUnavailableError, OperationalError, InterfaceError)
RETRY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(
    name="banking.exchange_public_token",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=120,
    soft_time_limit=100,
    **RETRY,
)
def exchange_public_token(customer_id: int, public_token: str, link_institution_id: str = "") -> int:
    """Exchange Link's public token and load the item's accounts.

    Safe to run twice: the item remembers the digest of its public token, so a re-run
    finds it (and loads accounts only if the first run stopped before). The public token
    is single-use and expires in 30 minutes, so carrying it through the broker exposes
    nothing lasting.
    """
    return item_link_exchange(
        customer_id=customer_id, public_token=public_token, link_institution_id=link_institution_id
    ).pk


@shared_task(
    name="banking.sync_item_transactions",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=600,
    soft_time_limit=540,
    **{**RETRY, "autoretry_for": (*TRANSIENT, SyncRestartLimitError)},
)
def sync_item_transactions(item_id: int) -> dict:
    """Incremental sync from the stored cursor. Safe to retry: the cursor only moves when a
    whole run commits, and transactions are upserted by Plaid's id."""
    outcome = item_transactions_sync(item_id=item_id)
    return {
        "added": outcome.added,
        "modified": outcome.modified,
        "removed": outcome.removed,
        "skipped": outcome.skipped,
    }


@shared_task(name="banking.sync_all_items", time_limit=60, soft_time_limit=50)
def sync_all_items() -> int:
    """Beat: one sync task per live item (webhooks can be missed; this catches up)."""
    item_ids = items_due_for_sync()
    with transaction.atomic():
        for item_id in item_ids:
            outbox_task_enqueue("banking.sync_item_transactions", item_id)
    return len(item_ids)


@shared_task(
    name="banking.apply_plaid_webhook",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=120,
    soft_time_limit=100,
    **RETRY,
)
def apply_plaid_webhook(event_id: int) -> str:
    """Apply one stored webhook. Safe twice: the service locks the row and skips applied ones."""
    return plaid_webhook_apply(event_id=event_id)


@shared_task(
    name="banking.sync_transfer_events",
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=300,
    soft_time_limit=270,
    **RETRY,
)
def sync_transfer_events() -> int:
    """Transfer status from `/transfer/event/sync`. Safe twice: the cursor and each transfer's
    last event id make every event apply once."""
    return transfer_events_sync()
