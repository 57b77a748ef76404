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
