"""`make load` / `python -m loadtest`: a load test of the web tier on loopback.

Migrates DATABASE_URL, seeds a load customer (payments, API token), starts gunicorn on
127.0.0.1 and a free port (as the Procfile's web process does), drives it with locust
headless for a fixed time, and writes per-endpoint p50/p99 and error rate to
var/load/report.json and var/load/report.md. It stops only the processes it started,
by their pids, and stops by itself (locust `--run-time`, and a hard deadline beyond it).

Environment (all optional):
  DATABASE_URL           the database (default: the CI database on 127.0.0.1:5432; `make load` starts
                         an embedded one when it is not set)
  LOAD_REDIS_URL         Redis for the broker and cache (default REDIS_URL, else redis://127.0.0.1:6379/14); its
                         Celery queue is emptied at the end (the webhooks enqueue one task each)
  LOAD_USERS             concurrent locust users (default 24)
  LOAD_SPAWN_RATE        users started per second (default 8)
  LOAD_RUN_TIME          how long to drive load, locust syntax (default 30s)
  LOAD_GUNICORN_WORKERS  gunicorn worker processes (default 2, as in the Procfile)
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "load"
# .ci/run's local role and database (trust-auth machine)
CI_DATABASE_URL = "postgres://fintech:fintech@127.0.0.1:5432/fintech"  # pragma: allowlist secret


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _seconds(run_time: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600}
    return int(run_time[:-1]) * units[run_time[-1]] if run_time[-1] in units else int(run_time)


def _stop(process: subprocess.Popen | None) -> None:
    """Stop one process we started, by its pid: TERM, then KILL after a grace period."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _wait_until_serving(url: str, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}); see {OUT / 'gunicorn.log'}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310  (loopback http only)
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise RuntimeError(f"gunicorn did not serve {url} within {timeout}s")


def _run(argv: list[str], env: dict[str, str], timeout: float) -> str:
    result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)  # noqa: S603
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    return result.stdout


def _database_label(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or 5432}{parts.path}"  # no credentials


def _report_md(report: dict) -> str:
    lines = [
        "# Load test",
        "",
        f"{report['started']} on {report['machine']} (load average at start {report['load_average']}); "
        f"gunicorn {report['gunicorn_workers']} sync workers on {report['database']}; "
        f"locust {report['users']} users for {report['run_time']}, on the same machine (loopback); "
        "figures from the end of the ramp-up.",
        "",
        "| endpoint | requests | req/s | p50 ms | p99 ms | avg ms | error rate |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for e in report["endpoints"]:
        rate = "" if e["error_rate"] is None else f"{e['error_rate']:.2%}"
        lines.append(
            f"| {e['endpoint']} | {e['requests']} | {e['rps']} | {e['p50_ms']} | {e['p99_ms']} "
            f"| {e['avg_ms']} | {rate} |"
        )
    if report["errors"]:
        lines += ["", "Errors:", ""] + [f"- {e['endpoint']}: {e['error']} ({e['count']}x)" for e in report["errors"]]
    return "\n".join(lines) + "\n"


def main() -> int:
    users = int(os.environ.get("LOAD_USERS", "24"))
    spawn_rate = os.environ.get("LOAD_SPAWN_RATE", "8")
    run_time = os.environ.get("LOAD_RUN_TIME", "30s")
    workers = os.environ.get("LOAD_GUNICORN_WORKERS", "2")
    database_url = os.environ.get("DATABASE_URL") or CI_DATABASE_URL
    redis_url = os.environ.get("LOAD_REDIS_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/14"
    OUT.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "development",
        "DEBUG": "0",  # no SQL recording, real error pages: measure what production runs
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
        # The per-user API throttle (1200/minute) would turn the load into 429s.
        "API_THROTTLE_USER": "1000000/minute",
        "STRIPE_WEBHOOK_SECRETS": "whsec_load_" + secrets.token_hex(16),  # pragma: allowlist secret
        "LOG_LEVEL": "WARNING",
    }
    python = sys.executable
    _run([python, "manage.py", "migrate", "--noinput", "-v", "0"], env, timeout=600)
    seeded = json.loads(_run([python, "-m", "loadtest.seed"], env, timeout=120).strip().splitlines()[-1])

    port = _free_port()
    host = f"http://127.0.0.1:{port}"
    stats_file = OUT / "stats.json"
    stats_file.unlink(missing_ok=True)
    report = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": f"{platform.machine()} {os.cpu_count()} cores",
        "load_average": round(os.getloadavg()[0], 2),
        "database": _database_label(database_url),
        "gunicorn_workers": int(workers),
        "users": users,
        "run_time": run_time,
    }
    web = load = None
    try:
        with (OUT / "gunicorn.log").open("wb") as log:
            web = subprocess.Popen(  # noqa: S603
                [
                    python,
                    "-m",
                    "gunicorn",
                    "config.wsgi",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    workers,
                    "--access-logfile",
                    "-",
                    "--graceful-timeout",
                    "5",
                    "--timeout",
                    "30",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        _wait_until_serving(f"{host}/healthz", web)
        load_env = {
            **env,
            "LOAD_WEBHOOK_SECRET": env["STRIPE_WEBHOOK_SECRETS"],
            "LOAD_USERNAME": seeded["username"],
            "LOAD_PASSWORD": seeded["password"],
            "LOAD_API_TOKEN": seeded["api_token"],
            "LOAD_STATS_FILE": str(stats_file),
        }
        with (OUT / "locust.log").open("wb") as log:
            load = subprocess.Popen(  # noqa: S603
                [
                    python,
                    "-m",
                    "locust",
                    "-f",
                    str(ROOT / "loadtest" / "locustfile.py"),
                    "--headless",
                    "--users",
                    str(users),
                    "--spawn-rate",
                    spawn_rate,
                    "--run-time",
                    run_time,
                    "--host",
                    host,
                    # --reset-stats: figures for the steady state once every user has started
                    # (each customer's one password check at sign-in stays out of them)
                    "--reset-stats",
                    "--stop-timeout",
                    "5",
                    "--only-summary",
                    "--loglevel",
                    "WARNING",
                ],
                cwd=ROOT,
                env=load_env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                load.wait(timeout=_seconds(run_time) + 90)
            except subprocess.TimeoutExpired:
                print("locust overran its deadline; stopping it", file=sys.stderr)
    finally:
        _stop(load)
        _stop(web)
    _run([python, "-m", "celery", "-A", "config", "purge", "-f"], env, timeout=120)  # the load's own queue
    if not stats_file.exists():
        print(f"no statistics were written; see {OUT / 'locust.log'}", file=sys.stderr)
        return 1
    report.update(json.loads(stats_file.read_text()))
    (OUT / "report.json").write_text(json.dumps(report, indent=2))
    markdown = _report_md(report)
    (OUT / "report.md").write_text(markdown)
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
