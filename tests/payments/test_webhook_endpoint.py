"""POST /webhooks/stripe/: verify, store once, enqueue after commit, 2xx."""

from __future__ import annotations

import json

import pytest
import stripe

from fintech.models import AuditEvent
from ledger.models import JournalEntry
from payments.models import Payment, WebhookDelivery
from tests.helpers import outbox_tasks
from tests.payments.conftest import WEBHOOK_SECRETS, now, post_event, signed_headers

URL = "/webhooks/stripe/"
EVENT = {
    "id": "evt_test_1",
    "object": "event",
    "type": "payment_intent.succeeded",
    "data": {"object": {"id": "pi_unknown", "object": "payment_intent"}},
}


def _post_raw(client, body: str, **headers):
    return client.post(URL, data=body, content_type="application/json", **headers)


def _nothing_written() -> None:
    assert not WebhookDelivery.objects.exists()
    assert not Payment.objects.exists()
    assert not JournalEntry.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_verified_delivery_is_stored_raw_and_enqueued_with_its_commit(client):
    body = json.dumps(EVENT)
    response = _post_raw(client, body, **signed_headers(body))
    assert response.status_code == 200
    assert response.json()["duplicate"] is False
    delivery = WebhookDelivery.objects.get()
    assert (delivery.provider, delivery.event_key, delivery.event_type) == ("stripe", "evt_test_1", EVENT["type"])
    assert delivery.raw_body == body
    assert delivery.status == WebhookDelivery.Status.RECEIVED
    assert outbox_tasks() == [("payments.apply_webhook_delivery", [delivery.pk])]


@pytest.mark.django_db
def test_duplicate_delivery_is_acknowledged_without_a_second_row_or_task(client):
    post_event(client, EVENT)
    response = post_event(client, EVENT)
    assert response.status_code == 200
    assert response.json()["duplicate"] is True
    assert WebhookDelivery.objects.count() == 1
    assert len(outbox_tasks()) == 1  # the first delivery's task only


@pytest.mark.django_db
@pytest.mark.parametrize("secret", WEBHOOK_SECRETS)
def test_any_configured_secret_may_sign(client, secret):
    assert post_event(client, EVENT, secret=secret).status_code == 200


@pytest.mark.django_db
def test_any_of_several_v1_signatures_may_match(client):
    body = json.dumps(EVENT)
    t = now()
    good = stripe.WebhookSignature.generate_signature_header(body, WEBHOOK_SECRETS[1], timestamp=t).split("v1=")[1]
    header = f"t={t},v1={'0' * 64},v1={good}"
    assert _post_raw(client, body, HTTP_STRIPE_SIGNATURE=header).status_code == 200


def _stale(body):
    return signed_headers(body, timestamp=now() - 301)


def _future(body):
    return signed_headers(body, timestamp=now() + 301)


def _unknown_secret(body):
    return signed_headers(body, secret="whsec_attacker")


def _tampered(body):
    return signed_headers(body.replace("evt_test_1", "evt_test_2"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("make_headers", "code"),
    [
        (lambda body: {}, "missing_signature"),
        (lambda body: {"HTTP_STRIPE_SIGNATURE": ""}, "missing_signature"),
        (lambda body: {"HTTP_STRIPE_SIGNATURE": "garbage"}, "malformed_signature"),
        (lambda body: {"HTTP_STRIPE_SIGNATURE": f"t={now()}"}, "malformed_signature"),
        (_unknown_secret, "bad_signature"),
        (_tampered, "bad_signature"),
        (_stale, "stale_timestamp"),
        (_future, "stale_timestamp"),
    ],
    ids=["no-header", "empty-header", "garbage", "no-v1", "unknown-secret", "tampered-body", "stale", "future"],
)
def test_unverifiable_delivery_gets_400_json_and_writes_nothing(client, make_headers, code):
    body = json.dumps(EVENT)
    response = _post_raw(client, body, **make_headers(body))
    assert response.status_code == 400
    assert response.json()["error"] == code
    _nothing_written()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "code"),
    [("not json {", "invalid_json"), ("[1, 2]", "invalid_event"), ('{"id": "evt_1"}', "invalid_event")],
)
def test_signed_body_that_is_not_a_json_event_gets_400_and_writes_nothing(client, body, code):
    response = _post_raw(client, body, **signed_headers(body))
    assert response.status_code == 400
    assert response.json()["error"] == code
    _nothing_written()


@pytest.mark.django_db
def test_no_configured_secret_refuses_everything(client, settings):
    settings.STRIPE_WEBHOOK_SECRETS = []
    response = post_event(client, EVENT)
    assert response.status_code == 400
    _nothing_written()


@pytest.mark.django_db
def test_get_is_not_allowed(client):
    assert client.get(URL).status_code == 405
