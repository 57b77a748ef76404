"""The sandbox's webhooks: signed as each provider signs them, posted in order by one
background thread, retried with backoff while the web server is not up yet (as the
providers retry). Stripe: `Stripe-Signature` (HMAC-SHA256 of `t.body` with the endpoint
secret); Braintree: the SDK's own signed sample notification for the subject, which makes
the shop fetch the subject from the gateway; Plaid: the fake's ES256 JWT."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import urlencode

import braintree

logger = logging.getLogger("sandbox")
RETRIES = (1, 2, 5, 10, 30, 60)  # seconds between attempts


def stripe_signature(body: str, secret: str, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def braintree_notification(
    *, merchant_id: str, public_key: str, private_key: str, kind: str, subject_id: str
) -> dict[str, str]:
    gateway = braintree.BraintreeGateway(
        braintree.Configuration(
            environment=braintree.Environment.Development,
            merchant_id=merchant_id,
            public_key=public_key,
            private_key=private_key,
        )
    )
    signed = gateway.webhook_testing.sample_notification(kind, subject_id)
    return {"bt_signature": signed["bt_signature"], "bt_payload": signed["bt_payload"].decode("ascii")}


Send = Callable[[str, bytes, dict[str, str]], None]


class Poster:
    """Posts each queued webhook to the shop, one at a time and in order: over HTTP from a
    background thread (`python -m sandbox`), or, with `threaded=False`, when the caller
    `drain`s the queue with its own sender (`seed_demo`, which has no web server to post to)."""

    def __init__(self, base_url: str, *, threaded: bool = True):
        self.base_url = base_url.rstrip("/")
        self._queue: queue.Queue[tuple[str, bytes, dict[str, str]] | Callable[[], None]] = queue.Queue()
        if threaded:
            threading.Thread(target=self._run, args=(self._post,), daemon=True, name="sandbox-webhooks").start()

    def drain(self, send: Send) -> None:
        """Deliver everything queued so far (and what that queues in turn) with `send`."""
        while not self._queue.empty():
            self._do(self._queue.get(), send)

    def stripe(self, event: dict, secret: str) -> None:
        body = json.dumps(event)
        self._queue.put(
            (
                "/webhooks/stripe/",
                body.encode(),
                {"Content-Type": "application/json", "Stripe-Signature": stripe_signature(body, secret)},
            )
        )

    def braintree(self, form: dict[str, str]) -> None:
        self._queue.put(
            ("/webhooks/braintree/", urlencode(form).encode(), {"Content-Type": "application/x-www-form-urlencoded"})
        )

    def plaid(self, body: bytes, verification: str) -> None:
        self._queue.put(
            ("/webhooks/plaid/", body, {"Content-Type": "application/json", "Plaid-Verification": verification})
        )

    def later(self, job: Callable[[], None]) -> None:
        """Run `job` on the poster's thread, after the webhooks queued before it."""
        self._queue.put(job)

    def _run(self, send: Send) -> None:
        while True:
            self._do(self._queue.get(), send)

    @staticmethod
    def _do(item, send: Send) -> None:
        if callable(item):
            try:
                item()
            except Exception:
                logger.exception("sandbox job failed")
            return
        send(*item)

    def _post(self, path: str, body: bytes, headers: dict[str, str]) -> None:
        for wait in (*RETRIES, None):
            request = urllib.request.Request(  # noqa: S310 - the shop's own http(s) address
                self.base_url + path, data=body, headers=headers, method="POST"
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310  # nosec B310 - loopback
                    logger.info("webhook %s -> %s", path, response.status)
                    return
            except urllib.error.HTTPError as exc:
                logger.warning("webhook %s answered %s: %s", path, exc.code, exc.read()[:200])
                if exc.code < 500 or wait is None:
                    return  # a 4xx is the shop's decision, not a reason to retry; a 5xx is retried
                time.sleep(wait)
            except OSError as exc:
                if wait is None:
                    logger.error("webhook %s not delivered: %s", path, exc)
                    return
                time.sleep(wait)
