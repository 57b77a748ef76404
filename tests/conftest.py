"""Suite-wide fixtures and the service policy.

Tests marked `postgres` or `redis` use the real services named by DATABASE_URL and
REDIS_URL. Without them such tests are skipped, except with REQUIRE_SERVICES=1 (CI),
where a missing service is a failure.
"""

from __future__ import annotations

import os

import pytest
import redis as redis_lib
from django.db import connection

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _redis_available() -> str | None:
    url = os.environ.get("REDIS_URL")
    if not url:
        return "REDIS_URL is not set"
    try:
        redis_lib.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis_lib.RedisError as exc:
        return f"Redis at REDIS_URL does not answer: {exc}"
    return None


def pytest_sessionstart(session):
    if not REQUIRE_SERVICES:
        return
    problems = []
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        problems.append("REQUIRE_SERVICES=1 but DATABASE_URL is not a PostgreSQL URL")
    redis_problem = _redis_available()
    if redis_problem:
        problems.append(f"REQUIRE_SERVICES=1 but {redis_problem}")
    if problems:
        raise pytest.UsageError("; ".join(problems))


def _missing(reason: str):
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _service_markers(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _missing("needs PostgreSQL (set DATABASE_URL)")
    if request.node.get_closest_marker("redis"):
        problem = _redis_available()
        if problem:
            _missing(problem)


@pytest.fixture
def redis_url() -> str:
    problem = _redis_available()
    if problem:
        _missing(problem)
    return os.environ["REDIS_URL"]


@pytest.fixture(autouse=True)
def _audit_checkpoints_per_test(settings, tmp_path):
    """Each test's audit chain starts empty, so its signed checkpoints live with the test."""
    settings.AUDIT_CHECKPOINT_PATH = tmp_path / "audit-checkpoints.jsonl"


@pytest.fixture(autouse=True)
def _no_throttle_history():
    """API throttle histories live in the Redis cache, which outlives a test: each test
    starts without the request counts of the ones before it."""
    url = os.environ.get("REDIS_URL")
    if url and _redis_available() is None:
        client = redis_lib.Redis.from_url(url)
        keys = list(client.scan_iter(match="*throttle_*", count=1000))
        if keys:
            client.delete(*keys)
    yield
