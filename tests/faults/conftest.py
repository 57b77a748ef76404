"""Fixtures for fault injection: private processes, each stopped by its own pid."""

from __future__ import annotations

import os

import pytest

from tests.banking.conftest import fake_plaid, linked_item  # noqa: F401  (shared fixtures)
from tests.faults.processes import (
    PrivatePostgres,
    PrivateRedis,
    postgres_unavailable_reason,
    redis_unavailable_reason,
)
from tests.payments.conftest import fake_stripe, submitted_payment  # noqa: F401  (shared fixtures)

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _unavailable(reason: str):
    if REQUIRE_SERVICES:
        pytest.fail(f"fault injection needs it (REQUIRE_SERVICES=1): {reason}")
    pytest.skip(reason)


@pytest.fixture
def private_redis(tmp_path):
    reason = redis_unavailable_reason()
    if reason:
        _unavailable(reason)
    redis = PrivateRedis(tmp_path)
    try:
        yield redis.start()
    finally:
        redis.stop()


@pytest.fixture
def private_postgres():
    reason = postgres_unavailable_reason()
    if reason:
        _unavailable(reason)
    cluster = PrivatePostgres()
    try:
        yield cluster.start()
    finally:
        cluster.stop()
