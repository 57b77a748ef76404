"""`make run`'s sandbox in a browser: a new customer signs up and pays with Stripe's test
card through the sandbox's stand-in for Stripe.js; the sandbox's signed webhook reaches the
live server and, applied as the worker would, the receipt says the payment succeeded."""

from __future__ import annotations

import re
import time

import pytest

from payments.models import Payment, WebhookDelivery
from payments.tasks import apply_webhook_delivery
from sandbox.run import Sandbox
from tests.browser.customer import customer_pays_by_card, customer_signs_up
from tests.helpers import settings_set_from_env

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sandbox(live_server, tmp_path, settings, monkeypatch):
    box = Sandbox(state_dir=tmp_path / "sandbox", webhook_base=live_server.url, ports=(0, 0, 0)).start()
    settings_set_from_env(settings, monkeypatch, box.environ())
    yield box
    box.stop()


def _sign_up_and_pay(page, mailoutbox, card: str) -> None:
    customer_signs_up(page, lambda: re.search(r"https?://[^/]+(/accounts/confirm/\S+)", mailoutbox[-1].body).group(1))
    customer_pays_by_card(page, card)


def _worker_applies(event_type: str) -> None:
    """The Celery worker's part: apply the delivery the sandbox posted to the live server."""
    for _ in range(100):
        delivery = WebhookDelivery.objects.filter(event_type=event_type).first()
        if delivery is not None:
            apply_webhook_delivery(delivery.pk)
            return
        time.sleep(0.1)
    raise AssertionError(f"the sandbox's {event_type} webhook never arrived")


def test_a_new_customer_pays_with_the_sandbox_test_card_and_sees_it_succeed(page, sandbox, mailoutbox, screenshot):
    _sign_up_and_pay(page, mailoutbox, "4242 4242 4242 4242")
    page.wait_for_url("**/payments/*/receipt/**")
    _worker_applies("payment_intent.succeeded")
    page.reload()
    page.wait_for_selector("td:text('Succeeded')")
    screenshot("sandbox-payment-succeeded")
    assert Payment.objects.get().status == Payment.Status.SUCCEEDED


def test_the_declined_test_card_is_declined_on_the_page(page, sandbox, mailoutbox):
    _sign_up_and_pay(page, mailoutbox, "4000 0000 0000 0002")
    page.wait_for_selector("#payment-message:text('Your card was declined.')")
    _worker_applies("payment_intent.payment_failed")
    assert Payment.objects.get().failure_reason == "Your card was declined."
