"""Admin smoke tests for every payments and ledger ModelAdmin, and the refund action's permission."""

from __future__ import annotations

import pytest

from fintech import roles
from fintech.models import AuditEvent
from fintech.money import format_money
from ledger.models import JournalEntry
from payments.models import Payment, Refund, WebhookDelivery
from payments.tasks import apply_webhook_delivery
from tests.factories import PASSWORD, make_staff
from tests.helpers import admin_login
from tests.payments.conftest import post_event

MODELS = [
    "payments/payment",
    "payments/refund",
    "payments/dispute",
    "payments/payout",
    "payments/webhookdelivery",
    "ledger/ledgeraccount",
    "ledger/ledgerhold",
    "ledger/journalentry",
]


@pytest.fixture
def paid(client, fake_stripe, submitted_payment):
    payment = submitted_payment(2500, "EUR")
    intent = fake_stripe.payment_intent_set_status(payment.gateway_reference, "succeeded")
    post_event(client, fake_stripe.event("payment_intent.succeeded", intent))
    apply_webhook_delivery(WebhookDelivery.objects.get().pk)
    payment.refresh_from_db()
    return payment


def _login(client, username: str, role: str):
    user, device = make_staff(username, role)
    assert admin_login(client, user, device, password=PASSWORD).status_code == 302
    return user


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS)
def test_payments_operations_can_list_search_and_open_every_model(client, paid, model):
    _login(client, "payops", roles.PAYMENTS_OPERATIONS)
    assert client.get(f"/admin/{model}/").status_code == 200
    assert client.get(f"/admin/{model}/", {"q": "x"}).status_code == 200
    assert client.get(f"/admin/{model}/add/").status_code == 403  # nothing is added by hand


@pytest.mark.django_db
def test_ledger_accounts_show_each_customers_own_balance(client, paid):
    _login(client, "payops", roles.PAYMENTS_OPERATIONS)
    page = client.get("/admin/ledger/ledgeraccount/", {"code": "customer_balances"}).content.decode()
    assert str(paid.customer) in page and format_money(-2500, "EUR") in page


@pytest.mark.django_db
def test_ledger_and_deliveries_are_read_only(client, paid):
    _login(client, "payops", roles.PAYMENTS_OPERATIONS)
    entry = JournalEntry.objects.get()
    entry_page = client.get(f"/admin/ledger/journalentry/{entry.pk}/change/")
    assert entry_page.status_code == 200
    assert b"gateway_clearing" in entry_page.content
    assert b'name="_save"' not in entry_page.content
    delivery = WebhookDelivery.objects.get()
    assert client.post(f"/admin/payments/webhookdelivery/{delivery.pk}/delete/", {"post": "yes"}).status_code == 403
    assert WebhookDelivery.objects.filter(pk=delivery.pk).exists()


@pytest.mark.django_db
def test_refund_action_asks_for_confirmation_then_refunds_through_the_service(client, fake_stripe, paid):
    operator = _login(client, "payops", roles.PAYMENTS_OPERATIONS)
    form = {"action": "refund_in_full", "_selected_action": [paid.pk]}
    # when: first POST
    confirm = client.post("/admin/payments/payment/", form)
    # then: a confirmation page, nothing refunded yet
    assert confirm.status_code == 200
    assert b"cannot be undone" in confirm.content
    assert not Refund.objects.exists()
    # when: confirmed
    done = client.post("/admin/payments/payment/", {**form, "confirm": "yes"})
    assert done.status_code == 302
    refund = Refund.objects.get()
    assert (refund.amount, refund.status) == (2500, Refund.Status.PENDING)
    assert refund.gateway_reference.startswith("re_")
    assert AuditEvent.objects.get(action="payments.refund.requested").actor_id == operator.pk


@pytest.mark.django_db
@pytest.mark.parametrize("role", [roles.ANALYST, roles.COMPLIANCE_OFFICER, roles.AUDITOR])
def test_only_payments_operations_may_refund(client, paid, role):
    _login(client, "someone", role)
    changelist = client.get("/admin/payments/payment/")
    assert changelist.status_code == 200
    assert b"refund_in_full" not in changelist.content
    client.post(
        "/admin/payments/payment/", {"action": "refund_in_full", "_selected_action": [paid.pk], "confirm": "yes"}
    )
    assert not Refund.objects.exists()
    assert Payment.objects.get(pk=paid.pk).amount_refunded == 0


@pytest.mark.django_db
def test_failed_delivery_is_retried_from_the_admin_once_the_cause_is_fixed(
    client, fake_stripe, submitted_payment, eager_tasks, relay
):
    # given: a refund event for a payment the gateway still reported unpaid -> failed
    payment = submitted_payment(2500, "EUR")
    charge = fake_stripe.object(
        "charge", amount=2500, currency="eur", amount_refunded=500, payment_intent=payment.gateway_reference
    )
    post_event(client, fake_stripe.event("charge.refunded", charge))
    delivery = WebhookDelivery.objects.get()
    assert apply_webhook_delivery(delivery.pk) == "failed"
    fake_stripe.payment_intent_set_status(payment.gateway_reference, "succeeded")  # the gateway caught up
    operator = _login(client, "payops", roles.PAYMENTS_OPERATIONS)
    # when
    response = client.post(
        "/admin/payments/webhookdelivery/", {"action": "retry_failed", "_selected_action": [delivery.pk]}
    )
    relay()
    # then
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.APPLIED
    payment.refresh_from_db()
    assert (payment.status, payment.amount_refunded) == ("succeeded", 500)
    assert AuditEvent.objects.get(action="payments.webhook_delivery.retried").actor_id == operator.pk


@pytest.mark.django_db
def test_analyst_cannot_retry_deliveries(client):
    _login(client, "analyst", roles.ANALYST)
    assert client.get("/admin/payments/webhookdelivery/").status_code == 403
