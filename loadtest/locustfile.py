"""Locust users for `make load` (run by `python -m loadtest`, which sets the environment).

Three kinds of traffic, in the proportions of the `weight`s:
- Stripe: signed webhook deliveries, each with a new event id. Bodies are signed ahead
  of the requests (in batches younger than the 300 s signature tolerance), so the
  measured time is the endpoint's alone. The event type has no handler: if a worker
  ever applies these deliveries it records them as ignored, moving no money.
- Customer: signed in once through the login form, then reads the dashboard.
- API client: lists its payments with its token.

Environment: LOAD_WEBHOOK_SECRET, LOAD_USERNAME, LOAD_PASSWORD, LOAD_API_TOKEN, and
LOAD_STATS_FILE (where the per-endpoint figures are written as JSON on exit).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path

import stripe
from locust import HttpUser, between, events, task

SIGN_BATCH = 200
EVENT_TYPE = "loadtest.ping"


class StripeWebhooks(HttpUser):
    weight = 2
    wait_time = between(0.05, 0.2)

    def on_start(self) -> None:
        self.secret = os.environ["LOAD_WEBHOOK_SECRET"]
        self.signed: list[tuple[str, str]] = []
        self.signed_at = 0.0

    def _next_signed(self) -> tuple[str, str]:
        if not self.signed or time.time() - self.signed_at > 240:
            self.signed_at = time.time()
            bodies = [
                json.dumps(
                    {
                        "id": f"evt_load_{uuid.uuid4().hex}",
                        "object": "event",
                        "type": EVENT_TYPE,
                        "created": int(self.signed_at),
                        "data": {"object": {}},
                    }
                )
                for _ in range(SIGN_BATCH)
            ]
            self.signed = [
                (body, stripe.WebhookSignature.generate_signature_header(body, self.secret)) for body in bodies
            ]
        return self.signed.pop()

    @task
    def deliver(self) -> None:
        body, signature = self._next_signed()
        with self.client.post(
            "/webhooks/stripe/",
            data=body,
            name="POST /webhooks/stripe/",
            catch_response=True,
            headers={"Content-Type": "application/json", "Stripe-Signature": signature},
        ) as resp:
            if resp.status_code != 200 or resp.json().get("duplicate") is not False:
                resp.failure(f"{resp.status_code}: {resp.text[:200]}")


class Customer(HttpUser):
    weight = 2
    wait_time = between(0.2, 0.5)

    def on_start(self) -> None:
        self.client.get("/accounts/login/", name="GET /accounts/login/")
        response = self.client.post(
            "/accounts/login/",
            name="POST /accounts/login/",
            allow_redirects=False,
            data={
                "username": os.environ["LOAD_USERNAME"],
                "password": os.environ["LOAD_PASSWORD"],
                "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
            },
        )
        if response.status_code != 302:
            raise RuntimeError(f"the load customer could not sign in: {response.status_code}")

    @task
    def dashboard(self) -> None:
        with self.client.get("/dashboard/", name="GET /dashboard/", allow_redirects=False, catch_response=True) as resp:
            if resp.status_code != 200:
                resp.failure(f"{resp.status_code}")


class ApiClient(HttpUser):
    weight = 1
    wait_time = between(0.1, 0.3)

    @task
    def list_payments(self) -> None:
        with self.client.get(
            "/api/v1/payments/",
            name="GET /api/v1/payments/",
            catch_response=True,
            headers={"Authorization": f"Token {os.environ['LOAD_API_TOKEN']}"},
        ) as resp:
            if resp.status_code != 200 or "results" not in resp.json():
                resp.failure(f"{resp.status_code}: {resp.text[:200]}")


@events.quitting.add_listener
def _write_stats(environment, **kwargs) -> None:
    path = os.environ.get("LOAD_STATS_FILE")
    if not path:
        return
    endpoints = []
    for entry in sorted(environment.stats.entries.values(), key=lambda e: e.name):
        endpoints.append(
            {
                "endpoint": entry.name,
                "requests": entry.num_requests,
                "failures": entry.num_failures,
                "error_rate": round(entry.num_failures / entry.num_requests, 4) if entry.num_requests else None,
                "p50_ms": entry.get_response_time_percentile(0.5),
                "p99_ms": entry.get_response_time_percentile(0.99),
                "avg_ms": round(entry.avg_response_time, 1),
                "rps": round(entry.total_rps, 1),
            }
        )
    errors = [
        {"endpoint": e.name, "error": str(e.error), "count": e.occurrences} for e in environment.stats.errors.values()
    ]
    Path(path).write_text(json.dumps({"endpoints": endpoints, "errors": errors[:20]}, indent=2))
