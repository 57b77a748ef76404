"""A real Celery worker process answers a task sent through the configured broker."""

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from fintech import request_context
from fintech.tasks import ping

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker_queue():
    queue = f"test-{uuid.uuid4().hex[:8]}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield queue
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def test_a_task_round_trips_through_a_real_worker_carrying_the_request_id(worker_queue):
    token = request_context.bind(request_context.RequestContext(request_id="req-roundtrip-1"))
    try:
        result = ping.apply_async(args=["hello"], queue=worker_queue)
    finally:
        request_context.reset(token)
    # The test process is no task; an in-process worker of another test may have left
    # Celery's "inside a task" flag set, so say so explicitly.
    answer = result.get(timeout=60, disable_sync_subtasks=False)
    assert answer["echo"] == "hello"
    assert answer["request_id"] == "req-roundtrip-1"
