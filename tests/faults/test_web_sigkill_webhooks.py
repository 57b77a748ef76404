"""The web process SIGKILLed while Stripe webhooks and API payment requests are being
committed, then restarted: every event ends applied once and monitored once, every payment
request is one payment submitted to Stripe once, and nothing is half-done.

Real processes on loopback: gunicorn (master and worker, SIGKILLed together, by pid), the
outbox relay, a prefork Celery worker and the AML consumer, on a private Redis. A thread posts
the webhooks back to back; once some are stored, the web process is killed mid-stream, so a
request may be cut before its commit, after it, or before its answer. Stripe retries any
event it got no 2xx for (and may retry one that committed but whose answer was lost), so
after the restart the test posts every event again, as Stripe would. A delivery and its apply
task are one INSERT statement: a delivery never exists without its outbox message. A shop's
client likewise retries its payment request with the same Idempotency-Key; the payment and its
`payments.submit_payment` task commit together, and the task's Stripe idempotency key makes
one PaymentIntent whatever the number of runs.
"""

from __future__ import annotations

import threading
import time

import pytest
import requests

from compliance.monitoring.models import Alert, MonitoredTransaction
from fintech.models import AuditEvent, OutboxMessage
from fintech.services.api_clients import api_client_create
from ledger.models import JournalEntry
from payments.models import Payment, WebhookDelivery
from tests.factories import CustomerFactory
from tests.faults.processes import (
    PROCESS_START_TIMEOUT,
    aml_consumer,
    app_env,
    celery_worker,
    free_port,
    gunicorn,
    outbox_relay,
    subprocess_database_url,
    wait_for,
)
from tests.faults.test_outbox_crashes import LARGE, _stream_drained
from tests.faults.test_redis_down_webhooks import SECRET, _post, _ready, _succeeded_event

PAYMENTS = 12
API_PAYMENTS = 6
KILL_AFTER_STORED = 4
# Between posts: the kill must land mid-stream, however fast the machine serves.
PACE_SECONDS = 0.05


def _request_payment(base_url: str, token: str, key: str) -> requests.Response:
    return requests.post(
        f"{base_url}/api/v1/payments/",
        json={"amount": 4200 + int(key.rsplit("-", 1)[1]), "currency": "EUR"},
        timeout=10,
        headers={"Authorization": f"Token {token}", "Idempotency-Key": key},
    )


def _request_all(base_url: str, token: str, keys: list[str], answers: dict[str, int | None]) -> None:
    for key in keys:
        try:
            answers[key] = _request_payment(base_url, token, key).status_code
        except requests.RequestException:
            answers[key] = None
        time.sleep(PACE_SECONDS)


def _post_all(base_url: str, events: list[dict], answers: dict[str, int | None]) -> None:
    for event in events:
        try:
            answers[event["id"]] = _post(base_url, event).status_code
        except requests.RequestException:
            answers[event["id"]] = None  # cut off: no answer, so Stripe retries
        time.sleep(PACE_SECONDS)


@pytest.mark.faults
@pytest.mark.django_db(transaction=True)
def test_web_process_killed_while_webhooks_commit_then_restarted_applies_and_monitors_each_once(
    fake_stripe, submitted_payment, private_redis, tmp_path
):
    env = app_env(
        database_url=subprocess_database_url(),
        redis_url=private_redis.url,
        STRIPE_API_BASE=fake_stripe.url,
        STRIPE_API_KEY="sk_test_fake",  # pragma: allowlist secret
        STRIPE_WEBHOOK_SECRETS=SECRET,
    )
    payments = [submitted_payment(LARGE + i, "GBP") for i in range(PAYMENTS)]
    events = [_succeeded_event(fake_stripe, payment) for payment in payments]
    first_port, second_port = free_port(), free_port()
    web, web_again = gunicorn(env, tmp_path, first_port), gunicorn(env, tmp_path, second_port)
    web_again.name, web_again.log = "gunicorn-restarted", tmp_path / "gunicorn-restarted.log"
    worker, relay, consumer = celery_worker(env, tmp_path), outbox_relay(env, tmp_path), aml_consumer(env, tmp_path)
    answers: dict[str, int | None] = {}
    shop = CustomerFactory()
    _, token = api_client_create(name="shop", user=shop.user)
    keys = [f"order-{i}" for i in range(API_PAYMENTS)]
    requested: dict[str, int | None] = {}
    try:
        # booted together: booting is most of this test's time
        for process in (web, relay, worker, consumer):
            process.start()
        wait_for(
            lambda: web.check_running() and _ready(f"http://127.0.0.1:{first_port}"),
            timeout=PROCESS_START_TIMEOUT,
            what=f"gunicorn to serve ({web.log})",
        )

        # when: webhooks arrive back to back and the web process is SIGKILLed among them
        poster = threading.Thread(target=_post_all, args=(f"http://127.0.0.1:{first_port}", events, answers))
        shop_client = threading.Thread(
            target=_request_all, args=(f"http://127.0.0.1:{first_port}", token, keys, requested)
        )
        poster.start()
        shop_client.start()
        wait_for(
            lambda: WebhookDelivery.objects.count() >= KILL_AFTER_STORED,
            timeout=60,
            what=f"the first deliveries stored ({web.log})",
            interval=0.02,
        )
        web.kill_tree()
        poster.join(timeout=60)
        shop_client.join(timeout=60)
        assert not poster.is_alive() and not shop_client.is_alive()
        stored_early = set(WebhookDelivery.objects.values_list("event_key", flat=True))
        assert KILL_AFTER_STORED <= len(stored_early) < PAYMENTS, "the kill must land mid-stream"
        assert list(answers) == [e["id"] for e in events]  # each post was answered or cut off
        assert None in answers.values()

        # then: nothing half-done: each stored delivery has its apply task in the outbox, each
        # requested payment its submit task
        _assert_each_delivery_has_its_apply_task()
        _assert_each_requested_payment_has_its_submit_task(shop)

        # when: the web process is back and Stripe retries (here: every event, as it may)
        web_again.start()
        base_url = f"http://127.0.0.1:{second_port}"
        wait_for(
            lambda: web_again.check_running() and _ready(base_url),
            timeout=PROCESS_START_TIMEOUT,
            what=f"the restarted gunicorn to serve ({web_again.log})",
        )
        retried = {event["id"]: _post(base_url, event) for event in events}
        assert {response.status_code for response in retried.values()} == {200}
        assert all(retried[key].json()["duplicate"] is True for key in stored_early)
        created_early = set(Payment.objects.filter(customer=shop).values_list("pk", flat=True))
        rerequested = {key: _request_payment(base_url, token, key) for key in keys}
        assert {response.status_code for response in rerequested.values()} == {201}
        assert created_early <= {response.json()["id"] for response in rerequested.values()}

        # then: every event is applied once and every payment monitored once
        unapplied = WebhookDelivery.objects.exclude(status=WebhookDelivery.Status.APPLIED)
        wait_for(
            lambda: worker.check_running() and relay.check_running() and not unapplied.exists(),
            timeout=60,
            what=f"every delivery applied ({worker.log}, {relay.log})",
        )
        wait_for(
            lambda: (
                consumer.check_running()
                and not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
                and MonitoredTransaction.objects.count() == PAYMENTS
                and _stream_drained(private_redis.url)
            ),
            timeout=60,
            what=f"every payment monitored ({consumer.log})",
        )
    finally:
        for process in (consumer, relay, worker, web_again, web):
            process.stop()

    assert WebhookDelivery.objects.count() == PAYMENTS
    _assert_each_delivery_has_its_apply_task()
    assert set(WebhookDelivery.objects.values_list("attempts", flat=True)) == {1}
    assert AuditEvent.objects.filter(action="payments.webhook_delivery.applied").count() == PAYMENTS
    for payment in payments:
        payment.refresh_from_db()
        assert payment.status == Payment.Status.SUCCEEDED
        assert JournalEntry.objects.filter(idempotency_key=f"payment-{payment.pk}-succeeded").count() == 1
    assert JournalEntry.objects.count() == PAYMENTS  # nothing else moved
    # each payment request is one payment, submitted once: one PaymentIntent each
    requested_payments = Payment.objects.filter(customer=shop)
    assert sorted(p.amount for p in requested_payments) == [4200 + i for i in range(API_PAYMENTS)]
    _assert_each_requested_payment_has_its_submit_task(shop)
    intents = [o for o in fake_stripe.objects.values() if o.get("object") == "payment_intent"]
    assert len(intents) == PAYMENTS + API_PAYMENTS
    assert sorted(p.gateway_reference for p in requested_payments) == sorted(
        i["id"] for i in intents if i["id"] not in {p.gateway_reference for p in payments}
    )
    assert (
        AuditEvent.objects.filter(
            action="payments.payment.submitted", target_id__in=[str(p.pk) for p in requested_payments]
        ).count()
        == API_PAYMENTS
    )
    assert sorted(MonitoredTransaction.objects.values_list("source", "source_id")) == sorted(
        ("payments", f"payment:{p.pk}") for p in payments
    )
    assert Alert.objects.filter(rule_code="large_transaction").count() == PAYMENTS  # decided once each


def _assert_each_requested_payment_has_its_submit_task(shop) -> None:
    submits = OutboxMessage.objects.filter(destination="payments.submit_payment")
    requested = set(Payment.objects.filter(customer=shop).values_list("pk", flat=True))
    assert sorted(m.payload["args"][0] for m in submits if m.payload["args"][0] in requested) == sorted(requested)


def _assert_each_delivery_has_its_apply_task() -> None:
    applies = OutboxMessage.objects.filter(destination="payments.apply_webhook_delivery")
    assert sorted(message.payload["args"][0] for message in applies) == sorted(
        WebhookDelivery.objects.values_list("pk", flat=True)
    )
