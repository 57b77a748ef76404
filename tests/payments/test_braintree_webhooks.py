"""POST/GET /webhooks/braintree/: verified by the SDK, stored once, applied once from the
gateway's current state (re-fetched), in any order and under concurrency."""

from __future__ import annotations

from functools import partial

import pytest
from django.test import Client

from fintech.models import AuditEvent
from ledger.models import JournalEntry
from ledger.selectors import ledger_balances
from payments.models import Dispute, Payment, WebhookDelivery
from payments.tasks import apply_webhook_delivery
from sandbox import braintree_server as fake
from tests.helpers import outbox_tasks, thread_race
from tests.payments.braintree_helpers import (
    URL,
    deliver,
    delivery_statuses,
    post_notification,
    sample,
    sdk_gateway,
    submitted_braintree_payment,
)


def _nothing_written() -> None:
    assert not WebhookDelivery.objects.exists()
    assert not JournalEntry.objects.exists()
    assert not AuditEvent.objects.exists()


# --- the endpoint ------------------------------------------------------------------
@pytest.mark.django_db
def test_challenge_is_answered_with_the_public_key_and_hmac(client, fake_braintree):
    challenge = "38aec6f1f3a5e9a3c4c8"
    response = client.get(URL, {"bt_challenge": challenge})
    assert response.status_code == 200
    assert response.content.decode() == sdk_gateway().webhook_notification.verify(challenge)
    assert response.content.decode().startswith(f"{fake.PUBLIC_KEY}|")


@pytest.mark.django_db
@pytest.mark.parametrize("challenge", ["", "not-hex!", "ABC"])
def test_bad_challenge_is_a_400(client, fake_braintree, challenge):
    response = client.get(URL, {"bt_challenge": challenge})
    assert response.status_code == 400
    assert response.json()["error"] == "bad_challenge"


@pytest.mark.django_db
def test_verified_notification_is_stored_raw_once_and_enqueued(client, fake_braintree):
    form = sample("transaction_settled", "abc123")
    response = post_notification(client, form)
    assert response.status_code == 200 and response.json()["duplicate"] is False
    delivery = WebhookDelivery.objects.get()
    assert (delivery.provider, delivery.event_type) == ("braintree", "transaction_settled")
    assert delivery.event_key.startswith("transaction_settled:") and delivery.event_key.endswith(":abc123")
    assert "bt_payload=" in delivery.raw_body and delivery.status == "received"
    assert outbox_tasks() == [("payments.apply_webhook_delivery", [delivery.pk])]
    # the same delivery again: acknowledged, nothing new
    again = post_notification(client, form)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert WebhookDelivery.objects.count() == 1 and len(outbox_tasks()) == 1


def _tampered(form):
    return {**form, "bt_payload": sample("transaction_settled", "zzz999")["bt_payload"]}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("make_form", "code"),
    [
        (lambda form: {}, "missing_fields"),
        (lambda form: {"bt_signature": form["bt_signature"]}, "missing_fields"),
        (lambda form: {"bt_payload": form["bt_payload"]}, "missing_fields"),
        (_tampered, "bad_signature"),
        (
            lambda form: {**form, "bt_signature": "other_public_key|" + form["bt_signature"].split("|")[1]},
            "bad_signature",
        ),
        (lambda form: {**form, "bt_payload": "<not base64>"}, "bad_signature"),
        (lambda form: sample("transaction_settled", "abc", private_key="attacker"), "bad_signature"),
    ],
    ids=[
        "nothing",
        "no-payload",
        "no-signature",
        "tampered",
        "unknown-public-key",
        "illegal-chars",
        "wrong-private-key",
    ],
)
def test_unverifiable_notification_is_a_400_json_and_writes_nothing(client, fake_braintree, make_form, code):
    response = post_notification(client, make_form(sample("transaction_settled", "abc")))
    assert response.status_code == 400
    assert response.json()["error"] == code
    _nothing_written()


@pytest.mark.django_db
def test_signed_payload_that_is_not_a_notification_is_a_400(client, fake_braintree):
    import base64

    from braintree.util.crypto import Crypto

    payload = base64.encodebytes(b"<oops>not a notification").decode()
    signature = f"{fake.PUBLIC_KEY}|{Crypto.sha1_hmac_hash(fake.PRIVATE_KEY, payload)}"
    response = post_notification(client, {"bt_signature": signature, "bt_payload": payload})
    assert response.status_code == 400
    assert response.json()["error"] == "malformed_payload"
    _nothing_written()


@pytest.mark.django_db
def test_other_methods_are_not_allowed(client, fake_braintree):
    assert client.put(URL).status_code == 405


# --- applying ------------------------------------------------------------------------
@pytest.mark.django_db
def test_settled_transaction_refetched_succeeds_the_payment_with_its_ledger_entry(client, fake_braintree):
    payment = submitted_braintree_payment(fake_braintree, 2500, "EUR")
    assert payment.status == Payment.Status.PROCESSING
    fake_braintree.settle(payment.gateway_reference)
    finds = fake_braintree.count("GET", f"/transactions/{payment.gateway_reference}")
    # when
    assert deliver(client, "transaction_settled", payment.gateway_reference) == "applied"
    # then: the sample says 100.00 USD, but the gateway's current transaction decides
    assert fake_braintree.count("GET", f"/transactions/{payment.gateway_reference}") == finds + 1
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert JournalEntry.objects.filter(idempotency_key=f"payment-{payment.pk}-succeeded").count() == 1
    assert ledger_balances(currency="EUR") == {("gateway_clearing", "EUR"): 2500, ("customer_balances", "EUR"): -2500}
    assert AuditEvent.objects.filter(action="payments.payment.succeeded", target_id=str(payment.pk)).count() == 1


@pytest.mark.django_db
def test_settlement_declined_fails_the_payment_without_money(client, fake_braintree):
    payment = submitted_braintree_payment(fake_braintree)
    fake_braintree.decline_settlement(payment.gateway_reference)
    assert deliver(client, "transaction_settlement_declined", payment.gateway_reference) == "applied"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert not JournalEntry.objects.exists()
    assert AuditEvent.objects.filter(action="payments.payment.failed", target_id=str(payment.pk)).count() == 1


@pytest.mark.django_db
def test_duplicates_and_a_second_notification_of_the_same_change_apply_once(client, fake_braintree):
    payment = submitted_braintree_payment(fake_braintree)
    fake_braintree.settle(payment.gateway_reference)
    form = sample("transaction_settled", payment.gateway_reference)
    delivery_id = post_notification(client, form).json()["delivery"]
    assert apply_webhook_delivery(delivery_id) == "applied"
    assert post_notification(client, form).json()["duplicate"] is True
    assert apply_webhook_delivery(delivery_id) == "applied"  # the task run again (late ack)
    # Braintree sends the same kind again later (another timestamp): a new delivery, no new effect
    later = WebhookDelivery.objects.create(
        provider="braintree",
        event_key="transaction_settled:later:x",
        event_type="transaction_settled",
        raw_body=WebhookDelivery.objects.get().raw_body,
    )
    assert apply_webhook_delivery(later.pk) == "ignored"
    assert JournalEntry.objects.count() == 1
    assert AuditEvent.objects.filter(action="payments.payment.succeeded").count() == 1


@pytest.mark.django_db
def test_out_of_order_a_stale_declined_notice_after_settlement_changes_nothing(client, fake_braintree):
    # given: the gateway settled the payment; the older "declined" notice arrives last
    payment = submitted_braintree_payment(fake_braintree)
    fake_braintree.settle(payment.gateway_reference)
    assert deliver(client, "transaction_settled", payment.gateway_reference) == "applied"
    # when: a notice whose own copy says settlement_declined (the gateway still says settled)
    assert deliver(client, "transaction_settlement_declined", payment.gateway_reference) == "ignored"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert JournalEntry.objects.count() == 1


@pytest.mark.django_db
def test_settled_before_our_submit_saved_the_reference_links_by_order_id(client, fake_braintree):
    from payments.gateways import braintree_adapter
    from payments.services.payments import payment_create

    payment = payment_create(customer=None, amount=700, currency="USD", gateway="braintree")
    lost = braintree_adapter().transaction_sale(
        amount=700, currency="USD", order_id=f"payment-{payment.pk}", nonce=fake_braintree.nonce()
    )
    fake_braintree.settle(lost.reference)
    assert deliver(client, "transaction_settled", lost.reference) == "applied"
    payment.refresh_from_db()
    assert (payment.gateway_reference, payment.status) == (lost.reference, Payment.Status.SUCCEEDED)


@pytest.mark.django_db
def test_unknown_transaction_at_the_gateway_marks_the_delivery_failed(client, fake_braintree):
    assert deliver(client, "transaction_settled", "nosuch") == "failed"
    assert "not found" in WebhookDelivery.objects.get().error
    assert not JournalEntry.objects.exists()


@pytest.mark.django_db
def test_gateway_down_while_applying_is_retried_later_not_failed(client, fake_braintree):
    from payments.errors import GatewayUnavailableError

    payment = submitted_braintree_payment(fake_braintree)
    fake_braintree.settle(payment.gateway_reference)
    delivery_id = post_notification(client, sample("transaction_settled", payment.gateway_reference)).json()["delivery"]
    fake_braintree.fail_next(1, status=503)
    with pytest.raises(GatewayUnavailableError):
        apply_webhook_delivery(delivery_id)
    assert WebhookDelivery.objects.get().status == "received"
    assert apply_webhook_delivery(delivery_id) == "applied"


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["check", "subscription_went_active", "disbursement"])
def test_other_kinds_are_stored_acknowledged_and_ignored(client, fake_braintree, kind):
    assert deliver(client, kind, "sub_1") == "ignored"
    assert WebhookDelivery.objects.get().event_type == kind
    assert not JournalEntry.objects.exists()


# --- disputes ------------------------------------------------------------------------
def _disputed(client, fake_braintree):
    payment = submitted_braintree_payment(fake_braintree, 2500, "EUR")
    fake_braintree.settle(payment.gateway_reference)
    deliver(client, "transaction_settled", payment.gateway_reference)
    return payment, fake_braintree.dispute_open(payment.gateway_reference, amount="25.00")


@pytest.mark.django_db
def test_dispute_opened_then_won_withdraws_then_reinstates_once(client, fake_braintree):
    payment, dispute_id = _disputed(client, fake_braintree)
    assert deliver(client, "dispute_opened", dispute_id) == "applied"
    assert deliver(client, "dispute_opened", dispute_id) in ("applied", "ignored")  # same second: a duplicate
    dispute = Dispute.objects.get()
    assert (dispute.payment_id, dispute.gateway, dispute.amount, dispute.funds_state) == (
        payment.pk,
        "braintree",
        2500,
        "withdrawn",
    )
    assert ledger_balances(currency="EUR")[("customer_balances", "EUR")] == -2500 + 2500
    fake_braintree.dispute_close(dispute_id, "won")
    assert deliver(client, "dispute_won", dispute_id) == "applied"
    dispute.refresh_from_db()
    assert (dispute.status, dispute.funds_state) == ("won", "reinstated") and dispute.closed_at
    assert ledger_balances(currency="EUR")[("customer_balances", "EUR")] == -2500
    assert ledger_balances(currency="EUR")[("gateway_clearing", "EUR")] == 2500
    assert AuditEvent.objects.filter(action="payments.dispute.opened").count() == 1


@pytest.mark.django_db
def test_dispute_lost_keeps_the_money_withdrawn_once(client, fake_braintree):
    _, dispute_id = _disputed(client, fake_braintree)
    deliver(client, "dispute_opened", dispute_id)
    fake_braintree.dispute_close(dispute_id, "lost")
    assert deliver(client, "dispute_lost", dispute_id) == "applied"
    dispute = Dispute.objects.get()
    assert (dispute.status, dispute.funds_state) == ("lost", "withdrawn")
    assert JournalEntry.objects.filter(idempotency_key__startswith="dispute-").count() == 1
    assert ledger_balances(currency="EUR")[("customer_balances", "EUR")] == -2500 + 2500


@pytest.mark.django_db
def test_dispute_won_delivered_before_opened_nets_to_nothing(client, fake_braintree):
    _, dispute_id = _disputed(client, fake_braintree)
    fake_braintree.dispute_close(dispute_id, "won")
    assert deliver(client, "dispute_won", dispute_id) == "applied"
    assert deliver(client, "dispute_opened", dispute_id) == "ignored"
    dispute = Dispute.objects.get()
    assert (dispute.status, dispute.funds_state) == ("won", "reinstated")
    assert not JournalEntry.objects.filter(idempotency_key__startswith="dispute-").exists()
    assert ledger_balances(currency="EUR")[("customer_balances", "EUR")] == -2500


# --- concurrency on PostgreSQL -------------------------------------------------------
THREADS = 6


@pytest.mark.django_db(transaction=True)
def test_same_notification_posted_from_many_threads_at_once_has_one_effect(fake_braintree, eager_tasks, relay):
    payment = submitted_braintree_payment(fake_braintree)
    fake_braintree.settle(payment.gateway_reference)
    form = sample("transaction_settled", payment.gateway_reference)
    statuses = thread_race([lambda: Client().post(URL, data=form).status_code] * THREADS)
    thread_race([relay] * THREADS)
    assert statuses == [200] * THREADS
    assert delivery_statuses() == ["applied"]
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert JournalEntry.objects.count() == 1
    assert AuditEvent.objects.filter(action="payments.payment.succeeded").count() == 1


@pytest.mark.django_db(transaction=True)
def test_different_deliveries_of_the_same_change_racing_have_one_effect(fake_braintree):
    payment = submitted_braintree_payment(fake_braintree)
    fake_braintree.settle(payment.gateway_reference)
    raw = (
        "bt_signature=x&"
        + "bt_payload="
        + __import__("urllib.parse").parse.quote(sample("transaction_settled", payment.gateway_reference)["bt_payload"])
    )
    ids = [
        WebhookDelivery.objects.create(
            provider="braintree", event_key=f"k{i}", event_type="transaction_settled", raw_body=raw
        ).pk
        for i in range(THREADS)
    ]
    results = thread_race([partial(apply_webhook_delivery, pk) for pk in ids])
    assert sorted(results) == ["applied"] + ["ignored"] * (THREADS - 1)
    assert JournalEntry.objects.count() == 1


@pytest.mark.django_db
def test_without_configuration_everything_is_refused(client, monkeypatch):
    for name in ("BRAINTREE_MERCHANT_ID", "BRAINTREE_PUBLIC_KEY", "BRAINTREE_PRIVATE_KEY"):
        monkeypatch.delenv(name, raising=False)
    response = post_notification(client, sample("transaction_settled", "abc"))
    assert response.status_code == 400 and response.json()["error"] == "not_configured"
    assert client.get(URL, {"bt_challenge": "38aec6f1f3a5e9a3c4c8"}).status_code == 400
    _nothing_written()
