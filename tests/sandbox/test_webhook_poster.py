"""The sandbox posts its webhooks as the providers do: signed, retried after a 5xx, not after a 4xx."""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler

import pytest
import stripe

from sandbox.loopback import LoopbackServer
from sandbox.webhooks import Poster

SECRET = "whsec_poster_test"  # noqa: S105 - a test's signing secret


class _Shop(LoopbackServer):
    """A stand-in web server answering each POST with the next status in `answers`."""

    def __init__(self) -> None:
        super().__init__()
        self.received: list[tuple[bytes, str]] = []
        self.answers: list[int] = []

    def _handler_class(self):
        shop = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                shop.received.append(
                    (self.rfile.read(int(self.headers["Content-Length"])), self.headers.get("Stripe-Signature", ""))
                )
                self.send_response(shop.answers.pop(0) if shop.answers else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        return Handler


@pytest.fixture
def shop():
    server = _Shop().start()
    yield server.url, server.received, server.answers
    server.stop()


def _wait_for(received: list, count: int, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while len(received) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_webhook_the_shop_fails_with_a_5xx_is_posted_again_signed(shop):
    url, received, answers = shop
    answers.append(503)
    Poster(url).stripe({"id": "evt_1", "type": "payment_intent.succeeded"}, SECRET)
    _wait_for(received, 2)
    assert len(received) == 2 and received[0][0] == received[1][0]
    body, signature = received[1]
    stripe.WebhookSignature.verify_header(body.decode(), signature, SECRET, tolerance=300)


def test_a_webhook_the_shop_refuses_with_a_4xx_is_not_posted_again(shop):
    url, received, answers = shop
    answers.append(400)
    Poster(url).stripe({"id": "evt_2", "type": "payment_intent.succeeded"}, SECRET)
    _wait_for(received, 1)
    time.sleep(1.5)  # past the first retry's wait
    assert len(received) == 1
