"""POST /webhooks/plaid/: JWT verification, storage once, and each webhook's effect once."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from banking.models import BankTransaction, PlaidItem, PlaidWebhookEvent
from banking.tasks import apply_plaid_webhook, sync_item_transactions
from fintech.models import AuditEvent
from tests.banking.conftest import post_webhook

pytestmark = pytest.mark.django_db
URL = "/webhooks/plaid/"


def _payload(
    item_id: str = "item-x", code: str = "SYNC_UPDATES_AVAILABLE", webhook_type: str = "TRANSACTIONS", **extra
) -> dict:
    return {"webhook_type": webhook_type, "webhook_code": code, "item_id": item_id, "environment": "sandbox", **extra}


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _post(client, body: bytes, token: str | None):
    headers = {"HTTP_PLAID_VERIFICATION": token} if token is not None else {}
    return client.post(URL, data=body, content_type="application/json", **headers)


def _claims(body: bytes, **override) -> dict:
    return {"iat": int(time.time()), "request_body_sha256": hashlib.sha256(body).hexdigest(), **override}


# --- verification -------------------------------------------------------------------


def test_a_verified_webhook_is_stored_with_its_apply_task(client, fake_plaid, capture_tasks):
    with capture_tasks() as callbacks:
        response = post_webhook(client, fake_plaid, _payload())
    assert response.status_code == 200 and response.json()["duplicate"] is False
    event = PlaidWebhookEvent.objects.get()
    assert (event.webhook_type, event.webhook_code, event.item_id) == (
        "TRANSACTIONS",
        "SYNC_UPDATES_AVAILABLE",
        "item-x",
    )
    assert event.status == PlaidWebhookEvent.Status.RECEIVED
    assert callbacks == [("banking.apply_plaid_webhook", [event.pk])]


def _alg_none(server, body):
    return f"{_b64({'alg': 'none', 'kid': server.kid, 'typ': 'JWT'})}.{_b64(_claims(body))}."


def _alg_hs256(server, body):
    # the classic confusion: HMAC "keyed" with the public key (built by hand: PyJWT refuses to)
    signing_input = f"{_b64({'alg': 'HS256', 'kid': server.kid, 'typ': 'JWT'})}.{_b64(_claims(body))}"
    mac = hmac.new(json.dumps(server.public_jwk()).encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def _unknown_kid(server, body):
    return server.sign_webhook(body, kid="kid-nobody-knows", key=ec.generate_private_key(ec.SECP256R1()))


def _wrong_key(server, body):
    return server.sign_webhook(body, key=ec.generate_private_key(ec.SECP256R1()))


def _stale(server, body):
    return server.sign_webhook(body, iat=int(time.time()) - 301)


def _future(server, body):
    return server.sign_webhook(body, iat=int(time.time()) + 301)


def _body_changed(server, body):
    return server.sign_webhook(body.replace(b"SYNC", b"SYNK"))


def _garbage(server, body):
    return "not-a-jwt"


def _no_kid(server, body):
    return jwt.encode(_claims(body), server.signing_key, algorithm="ES256")


@pytest.mark.parametrize(
    "make_token, code",
    [
        (_alg_none, "unsupported_algorithm"),
        (_alg_hs256, "unsupported_algorithm"),
        (_unknown_kid, "unknown_key"),
        (_wrong_key, "invalid_signature"),
        (_stale, "stale_signature"),
        (_future, "stale_signature"),
        (_body_changed, "body_mismatch"),
        (_garbage, "malformed_signature"),
        (_no_kid, "malformed_signature"),
    ],
    ids=lambda v: v.__name__ if callable(v) else v,
)
def test_bad_jwts_are_refused_with_400_and_nothing_written(
    client, fake_plaid, linked_item, make_token, code, capture_tasks
):
    item = linked_item()
    audits = AuditEvent.objects.count()
    body = json.dumps(_payload(item.item_id)).encode()
    with capture_tasks() as callbacks:
        response = _post(client, body, make_token(fake_plaid, body))
    assert response.status_code == 400
    assert response.json()["error"] == code
    assert not PlaidWebhookEvent.objects.exists()
    assert AuditEvent.objects.count() == audits
    assert callbacks == []


def test_a_missing_header_is_refused(client, fake_plaid):
    response = _post(client, json.dumps(_payload()).encode(), None)
    assert response.status_code == 400 and response.json()["error"] == "missing_signature"
    assert not PlaidWebhookEvent.objects.exists()


def test_a_signed_body_that_is_not_a_webhook_is_refused(client, fake_plaid):
    assert post_webhook(client, fake_plaid, b"[1, 2]").status_code == 400
    assert post_webhook(client, fake_plaid, b"\xff\xfe").status_code == 400
    assert not PlaidWebhookEvent.objects.exists()


def test_keys_are_cached_and_an_unknown_kid_is_fetched(client, fake_plaid):
    assert post_webhook(client, fake_plaid, _payload("a")).status_code == 200
    assert post_webhook(client, fake_plaid, _payload("b")).status_code == 200
    assert fake_plaid.count("/webhook_verification_key/get") == 1
    # Plaid rotates its signing key: the new kid is unknown, fetched once, then cached too
    fake_plaid.signing_key, fake_plaid.kid = ec.generate_private_key(ec.SECP256R1()), "kid-rotated"
    assert post_webhook(client, fake_plaid, _payload("c")).status_code == 200
    assert post_webhook(client, fake_plaid, _payload("d")).status_code == 200
    assert fake_plaid.count("/webhook_verification_key/get") == 2


def test_plaid_unreachable_for_the_key_answers_503_so_plaid_retries(client, fake_plaid, settings):
    body = json.dumps(_payload()).encode()
    token = fake_plaid.sign_webhook(body)
    settings.PLAID_HOST = "http://127.0.0.1:9"
    assert _post(client, body, token).status_code == 503
    assert not PlaidWebhookEvent.objects.exists()


# --- effects ---------------------------------------------------------------------------


def _receive_and_apply(client, server, payload, capture) -> tuple[PlaidWebhookEvent, list]:
    assert post_webhook(client, server, payload).status_code == 200
    event = PlaidWebhookEvent.objects.latest("pk")
    with capture() as callbacks:
        apply_plaid_webhook(event.pk)
    event.refresh_from_db()
    return event, callbacks


def _status_audit(item) -> AuditEvent:
    return AuditEvent.objects.filter(action="banking.item.status_changed", target_id=str(item.pk)).latest("seq")


def test_sync_updates_available_enqueues_a_sync(client, fake_plaid, linked_item, capture_tasks):
    item = linked_item()
    fake_plaid.transactions_push(
        item.item_id, added=[fake_plaid.transaction(item.accounts.first().account_id, transaction_id="w1")]
    )
    event, callbacks = _receive_and_apply(client, fake_plaid, _payload(item.item_id), capture_tasks)
    assert event.status == PlaidWebhookEvent.Status.APPLIED
    assert callbacks == [("banking.sync_item_transactions", [item.pk])]
    assert AuditEvent.objects.filter(action="banking.webhook.applied", target_id=str(event.pk)).exists()
    sync_item_transactions(item.pk)  # what the enqueued task runs
    assert BankTransaction.objects.filter(transaction_id="w1").exists()


def test_item_login_required_marks_the_item_for_update(client, fake_plaid, linked_item, capture_tasks):
    item = linked_item()
    payload = _payload(
        item.item_id,
        "ERROR",
        "ITEM",
        error={
            "error_type": "ITEM_ERROR",
            "error_code": "ITEM_LOGIN_REQUIRED",
            "error_message": "login required",
            "display_message": None,
            "status": 400,
        },
    )
    event, _ = _receive_and_apply(client, fake_plaid, payload, capture_tasks)
    item.refresh_from_db()
    assert (item.status, item.error_code) == (PlaidItem.Status.NEEDS_UPDATE, "ITEM_LOGIN_REQUIRED")
    audit = _status_audit(item)
    assert audit.before["status"] == "healthy" and audit.after["status"] == "needs_update"
    # and login repaired brings it back
    _receive_and_apply(client, fake_plaid, _payload(item.item_id, "LOGIN_REPAIRED", "ITEM"), capture_tasks)
    item.refresh_from_db()
    assert (item.status, item.error_code) == (PlaidItem.Status.HEALTHY, "")
    assert _status_audit(item).after["status"] == "healthy"


def test_pending_expiration(client, fake_plaid, linked_item, capture_tasks):
    item = linked_item()
    payload = _payload(item.item_id, "PENDING_EXPIRATION", "ITEM", consent_expiration_time="2026-12-16T15:53:00Z")
    _receive_and_apply(client, fake_plaid, payload, capture_tasks)
    item.refresh_from_db()
    assert item.status == PlaidItem.Status.PENDING_EXPIRATION
    assert item.consent_expires_at.isoformat() == "2026-12-16T15:53:00+00:00"
    assert _status_audit(item).after["status"] == "pending_expiration"


def test_user_permission_revoked(client, fake_plaid, linked_item, capture_tasks):
    item = linked_item()
    _receive_and_apply(client, fake_plaid, _payload(item.item_id, "USER_PERMISSION_REVOKED", "ITEM"), capture_tasks)
    item.refresh_from_db()
    assert item.status == PlaidItem.Status.REVOKED
    assert _status_audit(item).after["status"] == "revoked"


def test_new_accounts_available(client, fake_plaid, linked_item, capture_tasks):
    item = linked_item()
    _receive_and_apply(client, fake_plaid, _payload(item.item_id, "NEW_ACCOUNTS_AVAILABLE", "ITEM"), capture_tasks)
    item.refresh_from_db()
    assert item.new_accounts_available is True and item.status == PlaidItem.Status.HEALTHY
    assert _status_audit(item).after["new_accounts_available"] is True


def test_transfer_events_update_enqueues_the_event_sync(client, fake_plaid, capture_tasks):
    payload = {"webhook_type": "TRANSFER", "webhook_code": "TRANSFER_EVENTS_UPDATE", "environment": "sandbox"}
    event, callbacks = _receive_and_apply(client, fake_plaid, payload, capture_tasks)
    assert event.status == PlaidWebhookEvent.Status.APPLIED
    assert callbacks == [("banking.sync_transfer_events", [])]


def test_webhooks_for_unknown_items_or_codes_are_ignored(client, fake_plaid, capture_tasks):
    event, callbacks = _receive_and_apply(client, fake_plaid, _payload("item-unknown"), capture_tasks)
    assert (event.status, event.result, callbacks) == (PlaidWebhookEvent.Status.IGNORED, "unknown item", [])
    event, _ = _receive_and_apply(client, fake_plaid, _payload("x", "SOMETHING_NEW", "HOLDINGS"), capture_tasks)
    assert (event.status, event.result) == (PlaidWebhookEvent.Status.IGNORED, "not handled")
    assert AuditEvent.objects.filter(action="banking.webhook.ignored").count() == 2


def test_a_duplicate_webhook_has_its_effect_once(client, fake_plaid, linked_item, capture_tasks):
    item = linked_item()
    payload = _payload(item.item_id, "USER_PERMISSION_REVOKED", "ITEM")
    # when: delivered twice (a retry), the second with its keys in another order
    with capture_tasks() as first:
        assert post_webhook(client, fake_plaid, payload).json()["duplicate"] is False
    reordered = json.dumps(dict(reversed(list(payload.items())))).encode()
    with capture_tasks() as second:
        response = post_webhook(client, fake_plaid, reordered)
    # then: one row, one task, one effect
    assert response.status_code == 200 and response.json()["duplicate"] is True
    assert PlaidWebhookEvent.objects.count() == 1
    assert len(first) == 1 and second == []
    event = PlaidWebhookEvent.objects.get()
    assert apply_plaid_webhook(event.pk) == "revoked"
    assert apply_plaid_webhook(event.pk) == "already applied"  # a redelivered task
    assert AuditEvent.objects.filter(action="banking.item.status_changed", target_id=str(item.pk)).count() == 1
    assert AuditEvent.objects.filter(action="banking.webhook.applied").count() == 1


def test_a_revoked_item_stays_revoked(client, fake_plaid, linked_item, capture_tasks):
    item = linked_item()
    _receive_and_apply(client, fake_plaid, _payload(item.item_id, "USER_PERMISSION_REVOKED", "ITEM"), capture_tasks)
    _receive_and_apply(
        client,
        fake_plaid,
        _payload(item.item_id, "PENDING_EXPIRATION", "ITEM", consent_expiration_time="2026-12-16T15:53:00Z"),
        capture_tasks,
    )
    item.refresh_from_db()
    assert item.status == PlaidItem.Status.REVOKED
    assert AuditEvent.objects.filter(action="banking.item.status_changed", target_id=str(item.pk)).count() == 1
