"""Redis (the Celery broker and the monitoring stream) is down for seconds while Stripe
webhooks arrive: no delivery is lost, none is applied twice, every payment is monitored once.

Real processes only: gunicorn serves the webhook endpoint, the outbox relay sends the
apply tasks and transaction events, a prefork Celery worker applies deliveries and the
AML consumer decides the events, all on a private Redis that runs as production's should
(append-only file, fsync per write). The test stops it for `DOWN_SECONDS` while webhooks
keep coming. The webhook path never waits on Redis: a delivery and its apply task are one
INSERT in PostgreSQL, so each answer is a 2xx (stored) or, at worst, a 5xx for Stripe to
retry. While Redis is down the relay's batches fail and stay unsent; once it is back the
relay sends them, and every event is applied exactly once and monitored exactly once.
The outage lasts a minute, long enough for the relay's backoff (capped at 5 s), the
worker's broker reconnects and the AML consumer's group re-creation to repeat many times.
"""

from __future__ import annotations

import json
import time

import pytest
import requests
import stripe

from compliance.monitoring.models import MonitoredTransaction
from fintech.models import AuditEvent, OutboxMessage
from ledger.models import JournalEntry
from payments.models import Payment, WebhookDelivery
from tests.faults.processes import (
    PROCESS_START_TIMEOUT,
    PrivateRedis,
    aml_consumer,
    app_env,
    celery_worker,
    free_port,
    gunicorn,
    outbox_relay,
    subprocess_database_url,
    wait_for,
)
from tests.faults.test_outbox_crashes import _stream_drained

SECRET = "whsec_faults_redis_down"  # noqa: S105  (test-only)  # pragma: allowlist secret
PAYMENTS_BEFORE, PAYMENTS_DURING, PAYMENTS_AFTER = 4, 30, 2
DOWN_SECONDS = 60


def _post(base_url: str, event: dict) -> requests.Response:
    body = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(body, SECRET)
    # Bounded like a provider's own delivery timeout: a request held by a dead broker fails.
    return requests.post(
        f"{base_url}/webhooks/stripe/",
        data=body,
        timeout=10,
        headers={"Content-Type": "application/json", "Stripe-Signature": header},
    )


def _succeeded_event(fake_stripe, payment: Payment) -> dict:
    intent = fake_stripe.payment_intent_set_status(payment.gateway_reference, "succeeded")
    return fake_stripe.event("payment_intent.succeeded", intent)


@pytest.mark.faults
@pytest.mark.django_db(transaction=True)
def test_webhooks_arriving_while_redis_is_down_are_stored_or_refused_then_applied_once(
    fake_stripe, submitted_payment, tmp_path
):
    private_redis = PrivateRedis(tmp_path, persistent=True).start()
    env = app_env(
        database_url=subprocess_database_url(),
        redis_url=private_redis.url,
        STRIPE_API_BASE=fake_stripe.url,
        STRIPE_API_KEY="sk_test_fake",  # pragma: allowlist secret
        STRIPE_WEBHOOK_SECRETS=SECRET,
    )
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    web, worker = gunicorn(env, tmp_path, port), celery_worker(env, tmp_path)
    relay, consumer = outbox_relay(env, tmp_path), aml_consumer(env, tmp_path)
    payments = [submitted_payment(1000 + i, "EUR") for i in range(PAYMENTS_BEFORE + PAYMENTS_DURING + PAYMENTS_AFTER)]
    events = [_succeeded_event(fake_stripe, payment) for payment in payments]
    refused: list[dict] = []
    try:
        web.start()
        wait_for(
            lambda: web.check_running() and _ready(base_url),
            timeout=PROCESS_START_TIMEOUT,
            what=f"gunicorn to serve ({web.log})",
        )

        relay.start()
        worker.start()
        consumer.start()
        # given: webhooks posted while Redis is up
        for event in events[:PAYMENTS_BEFORE]:
            assert _post(base_url, event).status_code == 200
        # when: Redis stops and webhooks keep coming for DOWN_SECONDS
        private_redis.stop()
        down_at = time.monotonic()
        during = events[PAYMENTS_BEFORE : PAYMENTS_BEFORE + PAYMENTS_DURING]
        for event in during:
            response = _post(base_url, event)
            # then: each is either stored (2xx) or refused with a 5xx so that Stripe retries
            assert response.status_code == 200 or response.status_code >= 500, response.text
            if response.status_code != 200:
                refused.append(event)
            else:
                assert WebhookDelivery.objects.filter(event_key=event["id"]).exists()
            time.sleep(DOWN_SECONDS / (2 * PAYMENTS_DURING))
        # a redelivery during the outage is recognised as one
        duplicate = _post(base_url, events[0])
        assert duplicate.status_code == 200 and duplicate.json()["duplicate"] is True
        # what was stored during the outage waits in the outbox, unsent
        stored = WebhookDelivery.objects.filter(event_key__in=[e["id"] for e in during])
        assert stored.count() == PAYMENTS_DURING - len(refused)
        assert not stored.exclude(status=WebhookDelivery.Status.RECEIVED).exists()
        time.sleep(max(0.0, DOWN_SECONDS - (time.monotonic() - down_at)))
        assert OutboxMessage.objects.filter(sent_at__isnull=True).count() >= PAYMENTS_DURING - len(refused)

        # when: Redis comes back on the same port with what it had accepted, Stripe retries
        # what was refused, and new webhooks arrive
        private_redis.start()
        for event in refused + events[PAYMENTS_BEFORE + PAYMENTS_DURING :]:
            assert _post(base_url, event).status_code == 200

        # then: every event is applied, and every payment monitored, without a sweep
        unapplied = WebhookDelivery.objects.exclude(status=WebhookDelivery.Status.APPLIED)
        wait_for(
            lambda: worker.check_running() and relay.check_running() and not unapplied.exists(),
            timeout=60,
            what=f"every delivery to be applied (worker log: {worker.log}, relay log: {relay.log})",
        )
        wait_for(
            lambda: (
                consumer.check_running()
                and not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
                and MonitoredTransaction.objects.count() == len(payments)
                and _stream_drained(private_redis.url)
            ),
            timeout=60,
            what=f"every payment monitored ({consumer.log})",
        )
    finally:
        for process in (consumer, relay, worker, web):
            process.stop()
        private_redis.stop()
    assert WebhookDelivery.objects.count() == len(events)
    assert set(WebhookDelivery.objects.values_list("attempts", flat=True)) == {1}
    for payment in payments:
        payment.refresh_from_db()
        assert payment.status == Payment.Status.SUCCEEDED
        assert JournalEntry.objects.filter(idempotency_key=f"payment-{payment.pk}-succeeded").count() == 1
        assert AuditEvent.objects.filter(action="payments.payment.succeeded", target_id=str(payment.pk)).count() == 1
    assert JournalEntry.objects.count() == len(payments)
    assert AuditEvent.objects.filter(action="payments.webhook_delivery.applied").count() == len(events)
    assert sorted(MonitoredTransaction.objects.values_list("source_id", flat=True)) == sorted(
        f"payment:{p.pk}" for p in payments
    )


def _ready(base_url: str) -> bool:
    try:
        return requests.get(f"{base_url}/healthz", timeout=2).status_code < 500
    except requests.RequestException:
        return False
