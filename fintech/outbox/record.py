"""Recording effects in the writer's transaction.

Call these inside the service's `transaction.atomic()`: the row commits with the change it
follows or not at all, which is the whole guarantee. Outside a transaction block the row
is its own (autocommitted) transaction, which is right only for an effect that follows no
write.
"""

from __future__ import annotations

from typing import Any

from fintech import request_context
from fintech.models import OutboxMessage


def task_context_headers() -> dict[str, Any]:
    """The request id (and acting user) of the write, so the task's log lines and audit
    events name the request that caused them (fintech/celery_context.py reads them)."""
    context = request_context.current()
    if not context.request_id:
        return {}
    headers: dict[str, Any] = {"fintech_request_id": context.request_id}
    if context.user_id is not None:
        headers |= {"fintech_user_id": context.user_id, "fintech_user_label": context.user_label}
    return headers


def outbox_task_enqueue(name: str, *args: Any, sealed: dict[str, Any] | None = None, **kwargs: Any) -> OutboxMessage:
    """Run the Celery task registered as `name` with these (JSON) arguments once this
    transaction commits. The task must be idempotent: the relay delivers at least once.
    `sealed` keyword arguments are passed too, but stored encrypted and erased once sent."""
    return OutboxMessage.objects.create(
        kind=OutboxMessage.Kind.TASK,
        destination=name,
        payload={"args": list(args), "kwargs": kwargs, "headers": task_context_headers()},
        sealed=sealed or None,
    )


def outbox_events_publish(
    *, stream: str, events: list[dict[str, Any]], sealed: list[dict[str, Any] | None] | None = None
) -> None:
    """Add each (JSON) event to the Redis stream `stream` once this transaction commits.
    `sealed[i]`, if given, holds fields of event i stored encrypted until sent."""
    sealed = sealed or [None] * len(events)
    OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(kind=OutboxMessage.Kind.STREAM, destination=stream, payload=event, sealed=secret or None)
            for event, secret in zip(events, sealed, strict=True)
        ]
    )


def outbox_event_publish(*, stream: str, event: dict[str, Any], sealed: dict[str, Any] | None = None) -> None:
    outbox_events_publish(stream=stream, events=[event], sealed=[sealed])
