"""End-to-end latency of a money movement's monitoring: from a committed payment to its
decided monitoring event, through the outbox relay and the AML stream consumer.

The path is production's: `payment_transition` to succeeded commits the payment, its
journal entry, its audit event and its transaction event's outbox row in one transaction;
a relay process (`run_outbox_relay`) sends the row to the stream; a consumer process
(`run_aml_consumer`) decides it (stores the MonitoredTransaction, runs every rule, records
alerts) and commits. The latency of one payment is the MonitoredTransaction's `created_at`
(stamped in the deciding transaction, just before its commit) minus the moment the
payment's own commit returned. Payments are committed one at a time at BENCH_OUTBOX_RATE
per second (default 20) for BENCH_OUTBOX_SECONDS (default 15), on a stream of the run's own.
"""

from __future__ import annotations

import datetime
import os
import signal
import subprocess  # nosec B404 - starts our own relay and consumer
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RATE = float(os.environ.get("BENCH_OUTBOX_RATE", "20"))
SECONDS = float(os.environ.get("BENCH_OUTBOX_SECONDS", "15"))
TARGET_P99_S = 1.0


def _start(argv: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603  # nosec B603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", *argv], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run() -> list[dict]:
    from django.conf import settings
    from django.db import transaction

    from compliance.monitoring.models import MonitoredTransaction
    from fintech.models import Customer
    from payments.models import Payment
    from payments.services.payments import payment_create, payment_transition

    stream = f"bench-outbox-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "AML_STREAM": stream}
    # Both read AML_STREAM at start: the relay sends transaction events there, the consumer reads it.
    relay = _start(["run_outbox_relay"], env)
    consumer = _start(["run_aml_consumer", "--name", "bench-latency", "--block-ms", "1000"], env)
    previous_stream, settings.AML_STREAM = settings.AML_STREAM, stream
    committed: dict[str, float] = {}
    try:
        customer = Customer.objects.create(external_id=f"bench-latency-{uuid.uuid4().hex[:8]}", legal_name="Bench")
        # Warm-up: one payment through the whole path, so both processes are up before the clock starts.
        with transaction.atomic():
            warm = payment_create(customer=customer, amount=999, currency="EUR")
            payment_transition(payment=warm, to=Payment.Status.SUCCEEDED)
        deadline = time.monotonic() + 120
        while not MonitoredTransaction.objects.filter(source="payments", source_id=f"payment:{warm.pk}").exists():
            if time.monotonic() > deadline or relay.poll() is not None or consumer.poll() is not None:
                raise RuntimeError("the relay or the consumer did not start")
            time.sleep(0.2)
        interval, started = 1.0 / RATE, time.monotonic()
        n = int(RATE * SECONDS)
        for i in range(n):
            time.sleep(max(0.0, started + i * interval - time.monotonic()))
            with transaction.atomic():
                payment = payment_create(customer=customer, amount=1000 + i, currency="EUR")
                payment_transition(payment=payment, to=Payment.Status.SUCCEEDED)
            committed[f"payment:{payment.pk}"] = time.time()
        deadline = time.monotonic() + 60
        decided = {}
        while time.monotonic() < deadline and len(decided) < len(committed):
            decided = dict(
                MonitoredTransaction.objects.filter(source="payments", source_id__in=list(committed)).values_list(
                    "source_id", "created_at"
                )
            )
            time.sleep(0.5)
    finally:
        settings.AML_STREAM = previous_stream
        _stop(relay)
        _stop(consumer)
        import redis
        from django.conf import settings as live

        redis.Redis.from_url(live.REDIS_URL).delete(stream)
    latencies = [decided[key].timestamp() - at for key, at in committed.items() if key in decided]
    missing = len(committed) - len(latencies)
    p50, p99 = (_percentile(latencies, 0.5), _percentile(latencies, 0.99)) if latencies else (float("nan"),) * 2
    met = bool(latencies) and missing == 0 and p99 <= TARGET_P99_S
    when = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    return [
        {
            "name": "committed payment -> decided monitoring event p50",
            "value": round(p50 * 1000),
            "unit": "ms",
            "target": "",
            "met": None,
        },
        {
            "name": "committed payment -> decided monitoring event p99",
            "value": round(p99 * 1000),
            "unit": "ms",
            "target": f"<= {int(TARGET_P99_S * 1000)} ms, none missing",
            "met": met,
        },
        {
            "name": f"payments committed / not decided within 60 s ({when})",
            "value": f"{len(committed)}/{missing}",
            "unit": "",
            "target": "",
            "met": None,
        },
    ]
