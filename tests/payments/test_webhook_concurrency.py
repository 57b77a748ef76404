"""Deliveries racing on PostgreSQL: real commits, real threads, one effect."""

from __future__ import annotations

import json
from functools import partial

import pytest
from django.test import Client

from fintech.models import AuditEvent
from ledger.models import JournalEntry
from payments.models import Payment, WebhookDelivery
from payments.tasks import apply_webhook_delivery
from tests.helpers import thread_race
from tests.payments.conftest import signed_headers

THREADS = 6


def _post(body: str, headers: dict) -> int:
    return Client().post("/webhooks/stripe/", data=body, content_type="application/json", **headers).status_code


def _assert_one_success(payment: Payment) -> None:
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert JournalEntry.objects.filter(idempotency_key=f"payment-{payment.pk}-succeeded").count() == 1
    assert JournalEntry.objects.count() == 1
    assert AuditEvent.objects.filter(action="payments.payment.succeeded", target_id=str(payment.pk)).count() == 1


@pytest.mark.django_db(transaction=True)
def test_same_event_posted_from_many_threads_at_once_has_one_effect(fake_stripe, submitted_payment, eager_tasks, relay):
    payment = submitted_payment()
    intent = fake_stripe.payment_intent_set_status(payment.gateway_reference, "succeeded")
    body = json.dumps(fake_stripe.event("payment_intent.succeeded", intent))
    headers = signed_headers(body)
    # when
    statuses = thread_race([lambda: _post(body, headers)] * THREADS)
    relays = thread_race([relay] * THREADS)  # relays racing too: each message goes once
    # then
    assert statuses == [200] * THREADS
    assert sum(relays) == 2  # one apply task, then the one transaction event it records
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.APPLIED
    assert AuditEvent.objects.filter(action="payments.webhook_delivery.applied").count() == 1
    _assert_one_success(payment)


@pytest.mark.django_db(transaction=True)
def test_different_events_for_the_same_change_racing_have_one_effect(
    fake_stripe, submitted_payment, eager_tasks, relay
):
    payment = submitted_payment()
    intent = fake_stripe.payment_intent_set_status(payment.gateway_reference, "succeeded")
    bodies = [json.dumps(fake_stripe.event("payment_intent.succeeded", intent)) for _ in range(THREADS)]
    statuses = thread_race([partial(_post, body, signed_headers(body)) for body in bodies])
    thread_race([partial(relay, batch_size=1)] * THREADS)  # the apply tasks run concurrently, one per relay batch
    assert statuses == [200] * THREADS
    assert sorted(WebhookDelivery.objects.values_list("status", flat=True)) == ["applied"] + ["ignored"] * (THREADS - 1)
    _assert_one_success(payment)


@pytest.mark.django_db(transaction=True)
def test_the_task_run_by_several_workers_at_once_applies_once(client, fake_stripe, submitted_payment):
    payment = submitted_payment()
    intent = fake_stripe.payment_intent_set_status(payment.gateway_reference, "succeeded")
    body = json.dumps(fake_stripe.event("payment_intent.succeeded", intent))
    # stored without enqueueing (the on-commit enqueue goes to the test broker, not run here)
    delivery = WebhookDelivery.objects.create(provider="stripe", event_key="evt_race", event_type="x", raw_body=body)
    results = thread_race([lambda: apply_webhook_delivery(delivery.pk)] * THREADS)
    assert results == ["applied"] * THREADS
    assert AuditEvent.objects.filter(action="payments.webhook_delivery.applied").count() == 1
    _assert_one_success(payment)
