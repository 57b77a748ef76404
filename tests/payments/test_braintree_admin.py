"""Braintree payments and deliveries in the staff admin."""

from __future__ import annotations

import pytest

from fintech import roles
from payments.models import Payment, WebhookDelivery
from tests.factories import PASSWORD, make_staff
from tests.helpers import admin_login
from tests.payments.braintree_helpers import deliver, submitted_braintree_payment


@pytest.mark.django_db
def test_payments_filter_by_gateway_and_braintree_deliveries_show(client, fake_braintree):
    braintree_payment = submitted_braintree_payment(fake_braintree, 4200, "USD")
    stripe_payment = Payment.objects.create(amount=999, currency="EUR", gateway="stripe")
    fake_braintree.settle(braintree_payment.gateway_reference)
    assert deliver(client, "transaction_settled", braintree_payment.gateway_reference) == "applied"
    user, device = make_staff("payops", roles.PAYMENTS_OPERATIONS)
    assert admin_login(client, user, device, password=PASSWORD).status_code == 302
    # when
    listed = client.get("/admin/payments/payment/", {"gateway__exact": "braintree"})
    # then
    assert listed.status_code == 200
    pks = [p.pk for p in listed.context["cl"].result_list]
    assert pks == [braintree_payment.pk] and stripe_payment.pk not in pks
    assert b"Braintree" in listed.content
    found = client.get("/admin/payments/payment/", {"q": braintree_payment.gateway_reference})
    assert [p.pk for p in found.context["cl"].result_list] == [braintree_payment.pk]
    deliveries = client.get("/admin/payments/webhookdelivery/", {"provider": "braintree"})
    assert deliveries.status_code == 200
    [delivery] = deliveries.context["cl"].result_list
    assert (delivery.provider, delivery.event_type, delivery.status) == ("braintree", "transaction_settled", "applied")
    detail = client.get(f"/admin/payments/webhookdelivery/{delivery.pk}/change/")
    assert detail.status_code == 200 and b"transaction_settled" in detail.content
    assert WebhookDelivery.objects.count() == 1
