"""`python -m tools.engines -- COMMAND`: the embedded PostgreSQL and Redis that `make run`, `make test`
and `make bench` start when DATABASE_URL / REDIS_URL are not set, and stop by pid afterwards."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import uuid

import pytest

from tools.engines import ENGINES_DIR, ROOT

# Run as the command inside the engines: what the project needs of them, then where they listen.
PROBE = """
import json, os, sys, time
from urllib.parse import urlsplit
import psycopg, redis
with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
    conn.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    version, similarity, superuser = conn.execute(
        "SELECT current_setting('server_version_num')::int, similarity('Дмитрий Иванов', 'Дмитри Иванов'),"
        " rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
client = redis.Redis.from_url(os.environ["REDIS_URL"], decode_responses=True)
stream = f"probe-{os.getpid()}"
client.xgroup_create(stream, "g", id="0", mkstream=True)
client.xadd(stream, {"n": "1"})
client.xreadgroup("g", "dead-consumer", {stream: ">"})
claimed = client.xautoclaim(stream, "g", "live-consumer", 0, "0-0")[1]
print(json.dumps({
    "postgres": version, "trigram_similarity": similarity, "superuser": superuser,
    "redis": client.info("server")["redis_version"], "claimed": len(claimed),
    "ports": [urlsplit(os.environ[name]).port for name in ("DATABASE_URL", "REDIS_URL")],
}), flush=True)
time.sleep(float(sys.argv[1]))
sys.exit(int(sys.argv[2]))
"""


def _environ() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}


def _wrapper(*args: str, sleep: float = 0, status: int = 0) -> list[str]:
    return [sys.executable, "-m", "tools.engines", *args, "--", sys.executable, "-c", PROBE, str(sleep), str(status)]


def _run(*args: str, status: int = 0) -> subprocess.CompletedProcess:
    """The wrapper around a probe that ends at once."""
    return subprocess.run(
        _wrapper(*args, status=status), cwd=ROOT, env=_environ(), capture_output=True, text=True, timeout=300
    )


def _running(*args: str, **popen: object) -> subprocess.Popen:
    """The wrapper around a probe that runs until it is stopped."""
    return subprocess.Popen(
        _wrapper(*args, sleep=120),
        cwd=ROOT,
        env=_environ(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _started(process: subprocess.Popen) -> dict:
    line = process.stdout.readline()
    assert line, f"the probe printed nothing: {process.stderr.read()}"
    return json.loads(line)


@pytest.fixture
def kept():
    """A name for `--keep`, and the directory it keeps, deleted afterwards."""
    name = f"test-{uuid.uuid4().hex[:8]}"
    yield name, ENGINES_DIR / name
    shutil.rmtree(ENGINES_DIR / name, ignore_errors=True)


def test_without_urls_the_command_runs_on_real_engines_that_are_gone_afterwards():
    before = set(ENGINES_DIR.glob("run-*")) if ENGINES_DIR.exists() else set()
    result = _run(status=3)
    # the command's exit status is the wrapper's
    assert result.returncode == 3, result.stderr
    probe = json.loads(result.stdout)
    assert probe["postgres"] >= 180000 and probe["trigram_similarity"] > 0.5  # pg_trgm reads Cyrillic
    assert probe["superuser"] is False  # the project's role, as on CI's machine
    assert tuple(map(int, probe["redis"].split(".")[:2])) >= (6, 2) and probe["claimed"] == 1
    # both engines were stopped and their temporary directory deleted
    assert not any(_listening(port) for port in probe["ports"])
    assert set(ENGINES_DIR.glob("run-*")) == before


def test_urls_already_set_are_kept_and_no_engine_is_started():
    env = {**os.environ, "DATABASE_URL": "postgres://given/db", "REDIS_URL": "redis://given/0"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.engines",
            "--",
            sys.executable,
            "-c",
            "import os; print(os.environ['DATABASE_URL'], os.environ['REDIS_URL'])",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["postgres://given/db", "redis://given/0"]
    assert "tools.engines:" not in result.stderr


def test_sigterm_stops_the_command_then_the_engines(kept):
    name, data_dir = kept
    wrapper = _running("--keep", name)
    try:
        ports = _started(wrapper)["ports"]
        assert all(_listening(port) for port in ports)
        wrapper.send_signal(signal.SIGTERM)
        assert wrapper.wait(timeout=120) == 128 + signal.SIGTERM
        assert not any(_listening(port) for port in ports)
        assert (data_dir / "postgres" / "cluster" / "PG_VERSION").exists()  # --keep keeps the cluster
    finally:
        if wrapper.poll() is None:
            wrapper.kill()


def test_servers_left_by_a_killed_wrapper_are_stopped_when_their_directory_is_used_again(kept):
    name, _ = kept
    killed = _running("--keep", name, start_new_session=True)
    try:
        left_ports = _started(killed)["ports"]
    finally:
        # SIGKILL to the wrapper and its command (their process group): no cleanup runs at all, and
        # the engines, in sessions of their own, are left running
        os.killpg(killed.pid, signal.SIGKILL)
        killed.wait(timeout=30)
    assert all(_listening(port) for port in left_ports)
    # when the same directory is used again
    result = _run("--keep", name)
    # then the leftovers were stopped first, and the new engines ran and stopped
    assert result.returncode == 0, result.stderr
    assert not any(_listening(port) for port in [*left_ports, *json.loads(result.stdout)["ports"]])


def test_a_second_command_on_kept_engines_in_use_shares_them_and_stops_nothing(kept):
    name, _ = kept
    owner = _running("--keep", name)
    try:
        ports = _started(owner)["ports"]
        # when a second terminal runs a command on the same kept engines
        second = _run("--keep", name)
        # then it ran on the owner's engines, and they still run after it
        assert second.returncode == 0, second.stderr
        assert json.loads(second.stdout)["ports"] == ports
        assert all(_listening(port) for port in ports) and owner.poll() is None
    finally:
        owner.send_signal(signal.SIGTERM)
        owner.wait(timeout=120)
    assert not any(_listening(port) for port in ports)
