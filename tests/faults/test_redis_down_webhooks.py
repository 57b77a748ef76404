"""Redis (the Celery broker) dies while Stripe webhooks arrive: no delivery is lost.

Real processes only: gunicorn serves the webhook endpoint, a prefork Celery worker
applies deliveries, both pointed at a private in-memory Redis (no RDB, no AOF) that
the test SIGKILLs in the middle of the stream, so every message queued in it is gone
too. The contract for each delivery is: 2xx means it is stored (and will be applied,
by its task or by the stale-delivery sweep), 5xx means Stripe must retry it. Once
Redis is back on the same port, the sweep re-enqueues what is stored but unapplied,
and every event is applied exactly once.
"""

from __future__ import annotations

import json

import pytest
import requests
import stripe
from celery import Celery

from fintech.models import AuditEvent
from payments.models import JournalEntry, Payment, WebhookDelivery
from tests.faults.processes import (
    PROCESS_START_TIMEOUT,
    app_env,
    celery_worker,
    free_port,
    gunicorn,
    subprocess_database_url,
    wait_for,
)

SECRET = "whsec_faults_redis_down"  # noqa: S105  (test-only)  # pragma: allowlist secret
PAYMENTS_BEFORE, PAYMENTS_DURING, PAYMENTS_AFTER = 4, 6, 2


def _post(base_url: str, event: dict) -> requests.Response:
    body = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(body, SECRET)
    # Bounded like a provider's own delivery timeout: a request held by a dead broker fails.
    return requests.post(f"{base_url}/webhooks/stripe/", data=body, timeout=10,
                         headers={"Content-Type": "application/json", "Stripe-Signature": header})


def _succeeded_event(fake_stripe, payment: Payment) -> dict:
    intent = fake_stripe.payment_intent_set_status(payment.gateway_reference, "succeeded")
    return fake_stripe.event("payment_intent.succeeded", intent)


@pytest.mark.faults
@pytest.mark.django_db(transaction=True)
def test_webhooks_arriving_while_redis_is_down_are_stored_or_refused_then_applied_once(
    fake_stripe, submitted_payment, private_redis, tmp_path
):
    env = app_env(database_url=subprocess_database_url(), redis_url=private_redis.url,
                  STRIPE_API_BASE=fake_stripe.url, STRIPE_API_KEY="sk_test_fake",  # pragma: allowlist secret
                  STRIPE_WEBHOOK_SECRETS=SECRET)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    web, worker = gunicorn(env, tmp_path, port), celery_worker(env, tmp_path)
    payments = [submitted_payment(1000 + i, "EUR") for i in range(PAYMENTS_BEFORE + PAYMENTS_DURING + PAYMENTS_AFTER)]
    events = [_succeeded_event(fake_stripe, payment) for payment in payments]
    refused: list[dict] = []
    try:
        web.start()
        wait_for(lambda: web.check_running() and _ready(base_url), timeout=PROCESS_START_TIMEOUT,
                 what=f"gunicorn to serve ({web.log})")

        # given: webhooks posted while Redis is up (no worker yet: their messages sit in Redis)
        for event in events[:PAYMENTS_BEFORE]:
            assert _post(base_url, event).status_code == 200
        # when: Redis is SIGKILLed (the queued messages die with it) and webhooks keep coming
        private_redis.kill()
        during = events[PAYMENTS_BEFORE:PAYMENTS_BEFORE + PAYMENTS_DURING]
        for event in during:
            response = _post(base_url, event)
            # then: each is either stored (2xx) or refused with a 5xx so that Stripe retries
            assert response.status_code == 200 or response.status_code >= 500, response.text
            if response.status_code != 200:
                refused.append(event)
            else:
                assert WebhookDelivery.objects.filter(event_key=event["id"]).exists()
        # a redelivery during the outage is recognised as one
        duplicate = _post(base_url, events[0])
        assert duplicate.status_code == 200 and duplicate.json()["duplicate"] is True
        stored = WebhookDelivery.objects.filter(event_key__in=[e["id"] for e in events[:PAYMENTS_BEFORE] + during])
        assert stored.count() == PAYMENTS_BEFORE + PAYMENTS_DURING - len(refused)
        assert not stored.exclude(status=WebhookDelivery.Status.RECEIVED).exists()

        # when: Redis comes back on the same port (empty), a worker starts, Stripe retries
        # what was refused, and new webhooks arrive (enqueued by the same gunicorn process)
        private_redis.start()
        worker.start()
        for event in refused + events[PAYMENTS_BEFORE + PAYMENTS_DURING:]:
            assert _post(base_url, event).status_code == 200
        # the new ones reach the worker through the broker alone
        wait_for(lambda: worker.check_running() and WebhookDelivery.objects.filter(
            event_key__in=[e["id"] for e in events[-PAYMENTS_AFTER:]], status=WebhookDelivery.Status.APPLIED,
        ).count() == PAYMENTS_AFTER, timeout=60, what=f"the post-outage deliveries to be applied ({worker.log})")
        # and what was stored while the broker was gone waits for the beat's stale-delivery sweep
        assert WebhookDelivery.objects.filter(event_key__in=[e["id"] for e in events[:PAYMENTS_BEFORE]],
                                              status=WebhookDelivery.Status.RECEIVED).count() == PAYMENTS_BEFORE
        swept = _sweep_stale_deliveries(private_redis.url)
        assert swept >= PAYMENTS_BEFORE  # at least the ones whose messages died with Redis

        # then: every event is applied, exactly once
        unapplied = WebhookDelivery.objects.exclude(status=WebhookDelivery.Status.APPLIED)
        wait_for(lambda: worker.check_running() and not unapplied.exists(), timeout=60,
                 what=f"every delivery to be applied (worker log: {worker.log})")
    finally:
        worker.stop()
        web.stop()
    assert WebhookDelivery.objects.count() == len(events)
    assert set(WebhookDelivery.objects.values_list("attempts", flat=True)) == {1}
    for payment in payments:
        payment.refresh_from_db()
        assert payment.status == Payment.Status.SUCCEEDED
        assert JournalEntry.objects.filter(idempotency_key=f"payment-{payment.pk}-succeeded").count() == 1
        assert AuditEvent.objects.filter(action="payments.payment.succeeded", target_id=str(payment.pk)).count() == 1
    assert JournalEntry.objects.count() == len(payments)
    assert AuditEvent.objects.filter(action="payments.webhook_delivery.applied").count() == len(events)


def _ready(base_url: str) -> bool:
    try:
        return requests.get(f"{base_url}/healthz", timeout=2).status_code < 500
    except requests.RequestException:
        return False


def _sweep_stale_deliveries(redis_url: str) -> int:
    """Run the beat task `payments.requeue_stale_webhook_deliveries` on the real worker,
    with no age threshold, through a client of the private broker."""
    client = Celery("faults-client", broker=redis_url, backend=redis_url, set_as_current=False)
    try:
        result = client.send_task("payments.requeue_stale_webhook_deliveries", kwargs={"older_than_seconds": 0})
        return result.get(timeout=60)
    finally:
        client.close()
