"""Suite-wide fixtures and the service policy.

Every test runs on the real PostgreSQL and Redis named by DATABASE_URL and REDIS_URL
(the settings refuse to load without them); a Redis that does not answer stops the run
before the first test. REQUIRE_SERVICES=1 (`make test`, CI) makes the other optional
services (Chromium, the fault-injection binaries) a failure when missing, not a skip.
"""

from __future__ import annotations

import os
import uuid

import pytest
import redis as redis_lib
from django.conf import settings as django_settings

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def pytest_sessionstart(session):
    try:
        redis_lib.Redis.from_url(django_settings.REDIS_URL, socket_connect_timeout=2).ping()
    except redis_lib.RedisError as exc:
        raise pytest.UsageError(f"Redis at REDIS_URL does not answer: {exc}") from exc


@pytest.fixture
def audit_shard_heads():
    """The audit shard heads the migration creates. A transactional test's flush removes them,
    and the first audited write would then recreate them inside its own transaction, so
    concurrent writers (or a lock timeout) would wait on that insert: tests that race writers
    create them first."""
    import importlib

    from django.apps import apps

    importlib.import_module("fintech.migrations.0007_audit_chain_shards").heads_split(apps, None)


@pytest.fixture
def redis_url() -> str:
    return django_settings.REDIS_URL


@pytest.fixture
def monitoring_consumer(redis_url):
    """The stream the product publishes monitoring events to, read through a consumer group of
    the test's own created at the stream's end: `consume_once` decides (as run_aml_consumer
    does) only what was published after set-up. One attempt per event, so a poison event is
    dead-lettered on its first failure."""
    from compliance.monitoring.stream import EventStream

    stream = EventStream.from_url(redis_url, group=f"test-{uuid.uuid4().hex}", max_attempts=1)
    stream.client.xgroup_create(stream.stream, stream.group, id="$", mkstream=True)
    yield stream
    stream.client.xgroup_destroy(stream.stream, stream.group)


@pytest.fixture(autouse=True)
def _audit_checkpoints_per_test(settings, tmp_path):
    """Each test's audit chain starts empty, so its signed checkpoints live with the test."""
    settings.AUDIT_CHECKPOINT_PATH = tmp_path / "audit-checkpoints.jsonl"


@pytest.fixture(autouse=True)
def _no_throttle_history():
    """API throttle histories live in the Redis cache, which outlives a test: each test
    starts without the request counts of the ones before it."""
    client = redis_lib.Redis.from_url(django_settings.REDIS_URL)
    keys = list(client.scan_iter(match="*throttle_*", count=1000))
    if keys:
        client.delete(*keys)
    yield


class PublishedTransactionEvents:
    """The transaction events recorded in the outbox since the fixture started, in order;
    compares and iterates like the list of their payloads (read afresh each time)."""

    def __init__(self) -> None:
        from fintech.models import OutboxMessage

        self._after = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def _payloads(self) -> list[dict]:
        from fintech.models import OutboxMessage

        rows = OutboxMessage.objects.filter(
            pk__gt=self._after, kind=OutboxMessage.Kind.STREAM, destination=django_settings.AML_STREAM
        )
        return list(rows.order_by("pk").values_list("payload", flat=True))

    def __iter__(self):
        return iter(self._payloads())

    def __len__(self) -> int:
        return len(self._payloads())

    def __eq__(self, other) -> bool:
        return self._payloads() == list(other)

    def __repr__(self) -> str:
        return repr(self._payloads())


@pytest.fixture
def published(db) -> PublishedTransactionEvents:
    """Transaction events payments and banking recorded (outbox rows bound for the stream)."""
    return PublishedTransactionEvents()


@pytest.fixture
def relay():
    """Runs the outbox relay in this process until the outbox is empty (as run_outbox_relay
    would); with `eager_tasks`, the tasks it sends run here."""
    from fintech.outbox.relay import outbox_relay_once

    return outbox_relay_once
