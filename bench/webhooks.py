"""Stripe webhook intake under gunicorn: verified deliveries accepted per second.

What one accepted delivery costs is what the web process does in production: verify
the `Stripe-Signature` HMAC, store the raw `WebhookDelivery` (one INSERT + commit on
the database named by DATABASE_URL) and enqueue its task on the configured Celery
broker after commit. Nothing applies the deliveries here (no worker): the figure is
the intake, not the ledger.

gunicorn is started on 127.0.0.1 with a free port and stopped by its pid; the load
comes from threads in this process over keep-alive loopback connections, with bodies
signed before the clock starts. Bounded by count and time.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess  # nosec B404 - starts our own gunicorn
import sys
import threading
import time
import uuid
from pathlib import Path

import stripe  # only to sign like Stripe does (stripe.WebhookSignature); the app verifies itself

ROOT = Path(__file__).resolve().parents[1]
REQUESTS = 6000
WARMUP = 300
CLIENT_THREADS = 8
TIME_BUDGET_SECONDS = 30
GUNICORN_WORKERS = 2
GUNICORN_THREADS = 4
TARGET_RATE, TARGET_P99_MS = 1000, 50


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _event(run: str, i: int) -> str:
    """A payment_intent.succeeded event of Stripe's usual size (about 2 kB)."""
    intent = {
        "id": f"pi_bench_{run}_{i}", "object": "payment_intent", "amount": 2500, "amount_received": 2500,
        "currency": "eur", "status": "succeeded", "latest_charge": f"ch_bench_{run}_{i}",
        "metadata": {"payment_id": "0"}, "automatic_payment_methods": {"enabled": True},
        "client_secret": None,  # nosec B105 - not a secret: the field is empty in events
        "created": int(time.time()), "livemode": False,
        "payment_method_types": ["card"], "description": "x" * 900,
    }
    return json.dumps({
        "id": f"evt_bench_{run}_{i}", "object": "event", "api_version": "2024-06-20", "created": int(time.time()),
        "type": "payment_intent.succeeded", "livemode": False, "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None}, "data": {"object": intent},
    })


def _wait_until_up(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/webhooks/stripe/")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not come up")


def _fire(port: int, jobs: list[tuple[str, str]], latencies: list[float], failures: list[str],
          stop_at: float) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for body, header in jobs:
        if time.monotonic() > stop_at:
            break
        started = time.perf_counter()
        try:
            conn.request("POST", "/webhooks/stripe/", body=body,
                         headers={"Content-Type": "application/json", "Stripe-Signature": header})
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as exc:
            failures.append(repr(exc))
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            continue
        latencies.append(time.perf_counter() - started)
        if response.status != 200:
            failures.append(str(response.status))
    conn.close()


def _drive(port: int, jobs: list[tuple[str, str]], threads: int, budget: float):
    latencies: list[float] = []
    failures: list[str] = []
    stop_at = time.monotonic() + budget
    chunks = [jobs[i::threads] for i in range(threads)]
    workers = [threading.Thread(target=_fire, args=(port, chunk, latencies, failures, stop_at)) for chunk in chunks]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - started, latencies, failures


def run() -> list[dict]:
    from django.conf import settings
    from django.db import connection

    from payments.models import WebhookDelivery

    secret = f"whsec_bench_{secrets.token_hex(8)}"
    port = _free_port()
    env = {**os.environ, "STRIPE_WEBHOOK_SECRETS": secret, "DEBUG": "false", "DJANGO_SETTINGS_MODULE":
           os.environ.get("DJANGO_SETTINGS_MODULE", "fintech.settings")}
    process = subprocess.Popen(  # noqa: S603  # nosec B603 - our own interpreter, fixed arguments
        [sys.executable, "-m", "gunicorn", "fintech.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(GUNICORN_WORKERS), "--worker-class", "gthread", "--threads", str(GUNICORN_THREADS),
         "--keep-alive", "30", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    run_id = uuid.uuid4().hex[:10]
    try:
        _wait_until_up(port, process)
        now = int(time.time())

        def signed(i: int) -> tuple[str, str]:
            body = _event(run_id, i)
            return body, stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=now)

        warmup = [signed(i) for i in range(WARMUP)]
        jobs = [signed(WARMUP + i) for i in range(REQUESTS)]
        _drive(port, warmup, CLIENT_THREADS, TIME_BUDGET_SECONDS)
        elapsed, latencies, failures = _drive(port, jobs, CLIENT_THREADS, TIME_BUDGET_SECONDS)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    stored = WebhookDelivery.objects.filter(provider="stripe", event_key__startswith=f"evt_bench_{run_id}_").count()
    accepted = len(latencies) - sum(1 for f in failures if f.isdigit())
    latencies.sort()
    rate = round(accepted / elapsed) if elapsed else 0
    p50 = round(statistics.median(latencies) * 1000, 2) if latencies else None
    p99 = round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 2) if latencies else None
    broker = str(settings.CELERY_BROKER_URL).split("://", 1)[0]
    shape = (f"gunicorn {GUNICORN_WORKERS}x{GUNICORN_THREADS} gthread, {CLIENT_THREADS} client threads, "
             f"{connection.vendor}, broker {broker}")
    return [
        {"name": f"verified webhook deliveries accepted per second ({shape})", "value": rate, "unit": "deliveries/s",
         "target": f">= {TARGET_RATE}/s", "met": rate >= TARGET_RATE and not failures},
        {"name": "webhook accept p50", "value": p50, "unit": "ms", "met": None},
        {"name": "webhook accept p99", "value": p99, "unit": "ms", "target": f"<= {TARGET_P99_MS} ms",
         "met": p99 is not None and p99 <= TARGET_P99_MS},
        {"name": "deliveries stored (warm-up + measured)", "value": stored, "unit": "rows",
         "target": f"{WARMUP + len(latencies)} with no failures", "met": stored == WARMUP + len(latencies)
         and not failures},
        {"name": "failed requests", "value": len(failures), "unit": "requests", "met": not failures},
    ]
