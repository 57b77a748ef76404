"""The `transactions` Redis Stream and its `aml` consumer group.

Delivery is at least once: a consumer acknowledges (XACK) an entry only after the
decision for it has committed, so a crash redelivers rather than loses. Evaluation
is idempotent (unique transaction source id, unique alert dedupe key), so a
redelivery decides nothing twice. Entries left pending by a dead consumer are taken
over with XAUTOCLAIM. An entry that fails `max_attempts` times is poison: it moves to
the dead-letter stream and a DeadLetterEvent row, and is acknowledged.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import orjson
import redis
from django.db import IntegrityError, transaction

from compliance import conf
from compliance.monitoring.events import event_from_signal_payload
from compliance.monitoring.models import DeadLetterEvent
from compliance.monitoring.services.evaluation import events_evaluate

logger = logging.getLogger(__name__)


class EventStream:
    def __init__(
        self,
        client: redis.Redis,
        *,
        stream: str | None = None,
        group: str | None = None,
        max_attempts: int | None = None,
    ) -> None:
        # Unset arguments are the settings' values when the stream is made, not when this module was imported.
        self.client = client
        self.stream = conf.aml_stream() if stream is None else stream
        self.group = conf.aml_group() if group is None else group
        self.max_attempts = conf.aml_max_attempts() if max_attempts is None else max_attempts
        self.dead_stream = f"{self.stream}:dead"

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> EventStream:
        return cls(redis.Redis.from_url(url, decode_responses=True), **kwargs)

    def ensure_group(self) -> None:
        try:
            self.client.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def publish(self, events: list[dict[str, Any]]) -> list[str]:
        pipe = self.client.pipeline(transaction=False)
        for event in events:
            pipe.xadd(self.stream, {"event": orjson.dumps(event)})
        return pipe.execute()

    def read(self, consumer: str, *, count: int = 500, block_ms: int | None = 1000) -> list[tuple[str, dict]]:
        reply = self.client.xreadgroup(self.group, consumer, {self.stream: ">"}, count=count, block=block_ms)
        return [entry for _, entries in reply or [] for entry in entries]

    def reclaim(self, consumer: str, *, min_idle_ms: int | None = None, count: int = 500) -> list[tuple[str, dict]]:
        """Take over entries pending longer than min_idle_ms (default AML_RECLAIM_IDLE_MS; their consumer
        died or hangs)."""
        if min_idle_ms is None:
            min_idle_ms = conf.aml_reclaim_idle_ms()
        # The reply is (next id, entries) on Redis 6.2 (the embedded development engine) and gains a third
        # element, the ids deleted from the stream meanwhile, on 7. A pending entry deleted from the stream
        # comes back as (None, None) on 6.2 and not at all on 7: nothing to decide either way.
        entries = self.client.xautoclaim(self.stream, self.group, consumer, min_idle_ms, "0-0", count=count)[1]
        return [e for e in entries if e and e[1] is not None]

    def process(self, entries: list[tuple[str, dict]]) -> int:
        """Decide and acknowledge entries; returns how many were acknowledged. A failing batch is
        retried entry by entry so one poison event cannot hold back the others."""
        if not entries:
            return 0
        try:
            events_evaluate(events=[_decode(fields) for _, fields in entries])
            self._ack([m for m, _ in entries])
            return len(entries)
        except Exception:  # noqa: BLE001 - isolate the poison entry below
            logger.warning("batch of %d failed, evaluating one by one", len(entries), exc_info=True)
        attempts = self._attempts([m for m, _ in entries])
        acked = 0
        for message_id, fields in entries:
            try:
                events_evaluate(events=[_decode(fields)])
            except Exception as exc:  # noqa: BLE001 - any failure counts as an attempt
                logger.warning("event %s failed (attempt %d): %s", message_id, attempts[message_id], exc)
                if attempts[message_id] >= self.max_attempts:
                    self._dead_letter(message_id, fields, attempts[message_id], repr(exc))
                    acked += 1
                continue
            self._ack([message_id])
            acked += 1
        return acked

    def consume_once(
        self, consumer: str, *, count: int = 500, block_ms: int | None = 1000, min_idle_ms: int | None = None
    ) -> int:
        claimed = self.reclaim(consumer, min_idle_ms=min_idle_ms, count=count)
        done = self.process(claimed)
        return done + self.process(self.read(consumer, count=count, block_ms=None if claimed else block_ms))

    def _attempts(self, message_ids: list[str]) -> dict[str, int]:
        """Deliveries of each pending entry so far (XREADGROUP counts one, each XAUTOCLAIM one more):
        Redis keeps the count, so the happy path writes nothing per entry to count attempts."""
        pipe = self.client.pipeline(transaction=False)
        for message_id in message_ids:
            pipe.xpending_range(self.stream, self.group, min=message_id, max=message_id, count=1)
        replies = pipe.execute()
        return {m: (r[0]["times_delivered"] if r else 1) for m, r in zip(message_ids, replies, strict=True)}

    def _ack(self, message_ids: list[str]) -> None:
        self.client.xack(self.stream, self.group, *message_ids)

    def _dead_letter(self, message_id: str, fields: dict, attempts: int, error: str) -> None:
        payload = _raw_payload(fields)
        try:
            with transaction.atomic():
                DeadLetterEvent.objects.create(
                    stream=self.stream, message_id=message_id, payload=payload, attempts=attempts, error=error[:2000]
                )
        except IntegrityError:
            pass  # already dead-lettered by a consumer that died before acknowledging
        self.client.xadd(self.dead_stream, {"message_id": message_id, "event": json.dumps(payload), "error": error})
        self._ack([message_id])


def _decode(fields: dict) -> dict[str, Any]:
    value = orjson.loads(fields["event"])
    if not isinstance(value, dict):
        raise ValueError("event is not a JSON object")
    if "reference" in value and "source_id" not in value:  # the core's transaction event (fintech/events.py)
        return event_from_signal_payload(value)
    return value


def _raw_payload(fields: dict) -> Any:
    try:
        return _decode(fields)
    except (KeyError, ValueError):
        return {"raw": {str(k): str(v) for k, v in fields.items()}}
