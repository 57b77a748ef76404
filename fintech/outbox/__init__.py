"""The transactional outbox: every effect that must follow a committed write (docs/outbox.md).

A service records the effect in its own transaction (`outbox_task_enqueue`,
`outbox_event_publish`); the relay (`python manage.py run_outbox_relay`) sends it to Celery
or a Redis stream and marks it sent. Services name tasks by their registered name and never
import them.
"""

from fintech.outbox.record import outbox_event_publish, outbox_events_publish, outbox_task_enqueue

__all__ = ["outbox_event_publish", "outbox_events_publish", "outbox_task_enqueue"]
