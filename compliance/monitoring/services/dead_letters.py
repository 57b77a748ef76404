"""Replaying a dead-lettered monitoring event once its cause is fixed."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from compliance.monitoring.events import EventError, transaction_fields
from compliance.monitoring.models import DeadLetterEvent
from fintech.errors import ConflictError
from fintech.services.audit import audit_event_record


class DeadLetterReplayError(ConflictError):
    code = "dead_letter_replay"


@transaction.atomic
def dead_letter_replay(*, dead_letter: DeadLetterEvent, actor) -> None:
    """Hand the payload to monitoring again and mark the dead letter replayed (audited).

    The payload goes back onto the stream: the consumers decide it (evaluation is idempotent, so
    a replay of an event that was in fact decided adds nothing).
    Raises DeadLetterReplayError if it was replayed already or is still not a valid event.
    """
    from compliance.monitoring.stream import EventStream

    locked = DeadLetterEvent.objects.select_for_update().get(pk=dead_letter.pk)
    if locked.replayed_at is not None:
        raise DeadLetterReplayError(f"dead letter {locked.pk} was replayed at {locked.replayed_at:%Y-%m-%d %H:%M}")
    try:
        transaction_fields(locked.payload if isinstance(locked.payload, dict) else {})
    except EventError as exc:
        raise DeadLetterReplayError(f"dead letter {locked.pk} is still not a valid event: {exc}") from exc
    EventStream.from_url(settings.REDIS_URL).publish([locked.payload])
    locked.replayed_at, locked.replayed_by = timezone.now(), actor
    locked.save(update_fields=["replayed_at", "replayed_by"])
    audit_event_record(
        action="compliance.dead_letter.replayed",
        actor=actor,
        target=locked,
        after={"stream": locked.stream, "message_id": locked.message_id, "to": "stream"},
    )
