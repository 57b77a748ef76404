"""The checkout pages, rendered without the providers' scripts (Django test client), with
the real SDKs talking to the fake gateways."""

from __future__ import annotations

import json
import logging

import pytest

from fintech.models import AuditEvent, OutboxMessage
from payments.models import Payment
from payments.services.braintree_payments import braintree_sale_submit
from payments.tasks import submit_braintree_sale
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
CARD = "4242 4242 4242 4242"


@pytest.fixture
def customer(client):
    customer = CustomerFactory()
    client.force_login(customer.user)
    return customer


def test_checkout_needs_a_signed_in_customer(client):
    assert client.get("/payments/checkout/").status_code == 302
    assert client.post("/payments/checkout/braintree/", {}).status_code == 302


def test_checkout_form_renders_without_any_provider_script(client, customer, fake_stripe):
    page = client.get("/payments/checkout/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="amount"' in body and 'value="braintree"' in body and "csrfmiddlewaretoken" in body


def test_stripe_choice_creates_the_payment_and_hands_its_client_secret_to_the_element(client, customer, fake_stripe):
    response = client.post("/payments/checkout/", {"amount": "12.50", "currency": "EUR", "provider": "stripe"})
    payment = Payment.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/payments/{payment.pk}/pay/"
    assert (payment.customer, payment.amount, payment.currency, payment.gateway) == (customer, 1250, "EUR", "stripe")
    page = client.get(response["Location"]).content.decode()
    assert 'src="https://js.stripe.com/v3/"' in page
    assert f'data-client-secret="{payment.client_secret}"' in page and payment.client_secret
    assert "<script>" not in page  # nothing inline: the page only carries data attributes


def test_braintree_choice_renders_the_dropin_with_a_client_token(client, customer, fake_braintree):
    response = client.post("/payments/checkout/", {"amount": "30", "currency": "USD", "provider": "braintree"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "https://js.braintreegateway.com/web/dropin/" in page
    assert 'data-client-token="' in page and 'name="payment_method_nonce"' in page
    assert f"customer-{customer.pk}" in fake_braintree.customers  # the vault customer for the PayPal vault flow
    assert not Payment.objects.exists()  # nothing is created before the customer approves


def test_gateway_down_shows_a_page_not_a_500(client, customer, fake_braintree):
    fake_braintree.fail_next(3, status=503)
    response = client.post("/payments/checkout/", {"amount": "30", "currency": "USD", "provider": "braintree"})
    assert response.status_code == 503


@pytest.mark.parametrize("amount", ["0", "-1", "abc", "1.234"])
def test_bad_amounts_are_refused_with_the_form(client, customer, amount, fake_stripe):
    response = client.post("/payments/checkout/", {"amount": amount, "currency": "EUR", "provider": "stripe"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not Payment.objects.exists()


def test_nonce_post_creates_one_payment_and_one_sale(client, customer, fake_braintree, eager_tasks, relay):
    nonce = fake_braintree.nonce("paypal")
    response = client.post(
        "/payments/checkout/braintree/", {"amount": 3000, "currency": "USD", "payment_method_nonce": nonce}
    )
    # the nonce waits sealed in the outbox, and is erased once the relay has sent the sale task
    message = OutboxMessage.objects.get(destination="payments.submit_braintree_sale")
    assert message.sealed == {"nonce": nonce} and nonce not in json.dumps(message.payload)
    relay()
    message.refresh_from_db()
    assert message.sent_at is not None and message.sealed is None
    payment = Payment.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/payments/{payment.pk}/receipt/"
    assert (payment.customer, payment.gateway, payment.amount, payment.status) == (
        customer,
        "braintree",
        3000,
        Payment.Status.PROCESSING,
    )
    [sale] = fake_braintree.sales()
    assert (sale["id"], sale["order_id"], sale["amount"]) == (
        payment.gateway_reference,
        f"payment-{payment.pk}",
        "30.00",
    )
    assert sale["customer"]["id"] == f"customer-{customer.pk}"  # vaulted for the customer (PayPal vault flow)
    assert fake_braintree.payment_methods[sale["paypal"]["token"]]["customer_id"] == f"customer-{customer.pk}"
    # the retried task (late ack, a lost worker) finds the payment done
    assert submit_braintree_sale(payment.pk, nonce) == "nothing to do"
    assert len(fake_braintree.sales()) == 1
    assert AuditEvent.objects.filter(action="payments.payment.submitted", target_id=str(payment.pk)).count() == 1


def test_a_retried_submit_after_a_lost_answer_reuses_the_first_sale(customer, fake_braintree):
    from payments.services.payments import payment_create

    payment = payment_create(customer=customer, amount=1500, currency="EUR", gateway="braintree")
    nonce = fake_braintree.nonce("paypal")
    assert braintree_sale_submit(payment_id=payment.pk, nonce=nonce) == "submitted_for_settlement"
    # the first run's answer was lost: our row never got the reference
    Payment.objects.filter(pk=payment.pk).update(gateway_reference=None, status=Payment.Status.PENDING)
    # when the task runs again with the same (now used) nonce
    assert braintree_sale_submit(payment_id=payment.pk, nonce=nonce) == "submitted_for_settlement"
    # then: one sale, found by its order_id, and the payment linked to it
    assert len(fake_braintree.sales()) == 1
    assert fake_braintree.count("POST", "/transactions") == 1
    assert Payment.objects.get(pk=payment.pk).gateway_reference == fake_braintree.sales()[0]["id"]


def test_a_submission_already_running_makes_the_retry_wait(customer, fake_braintree):
    from django.core.cache import cache

    from payments.services.braintree_payments import SaleInProgressError
    from payments.services.payments import payment_create

    payment = payment_create(customer=customer, amount=1500, currency="EUR", gateway="braintree")
    cache.add(f"payments:braintree-sale:{payment.pk}", "1", timeout=60)
    try:
        with pytest.raises(SaleInProgressError):
            braintree_sale_submit(payment_id=payment.pk, nonce=fake_braintree.nonce())
    finally:
        cache.delete(f"payments:braintree-sale:{payment.pk}")
    assert not fake_braintree.sales()


def test_a_refused_nonce_fails_the_payment(customer, fake_braintree):
    from payments.services.payments import payment_create

    payment = payment_create(customer=customer, amount=1500, currency="EUR", gateway="braintree")
    assert braintree_sale_submit(payment_id=payment.pk, nonce="tokencc_unknown") == "refused"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED and "Unknown or expired" in payment.failure_reason


def test_a_processor_decline_fails_the_payment(customer, fake_braintree):
    from payments.services.payments import payment_create

    payment = payment_create(customer=customer, amount=1500, currency="USD", gateway="braintree")
    braintree_sale_submit(payment_id=payment.pk, nonce="fake-processor-declined-visa-nonce")
    payment.refresh_from_db()
    assert (payment.status, payment.failure_reason) == (Payment.Status.FAILED, "Do Not Honor")


@pytest.mark.parametrize(
    ("url", "extra"),
    [
        ("/payments/checkout/braintree/", {"card_number": "4111111111111111"}),
        ("/payments/checkout/braintree/", {"cvv": "123"}),
        ("/payments/checkout/braintree/", {"note": CARD}),
        ("/payments/checkout/", {"credit_card[number]": "4000056655665556"}),
        ("/payments/checkout/", {"name": CARD.replace(" ", "-")}),
    ],
    ids=["card_number", "cvv", "luhn-valid-value", "sdk-style-field", "dashed-number"],
)
def test_a_post_carrying_card_data_is_refused_and_not_logged(client, customer, fake_braintree, caplog, url, extra):
    form = {
        "amount": 3000,
        "currency": "USD",
        "payment_method_nonce": fake_braintree.nonce(),
        "provider": "stripe",
        **extra,
    }
    with caplog.at_level(logging.DEBUG):
        response = client.post(url, form)
    assert response.status_code == 400
    assert not Payment.objects.exists() and not fake_braintree.sales()
    logged = caplog.text
    for value in extra.values():
        assert value not in logged and value.replace(" ", "") not in logged


def test_a_nonce_post_without_its_fields_is_refused(client, customer, fake_braintree):
    assert client.post("/payments/checkout/braintree/", {"amount": 3000}).status_code == 400
    assert not Payment.objects.exists()


def test_the_nonce_post_is_csrf_protected(customer, fake_braintree):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(customer.user)
    response = strict.post(
        "/payments/checkout/braintree/",
        {"amount": 3000, "currency": "USD", "payment_method_nonce": fake_braintree.nonce()},
    )
    assert response.status_code == 403
    assert not Payment.objects.exists()


def test_someone_elses_payment_page_is_not_visible(client, fake_stripe):
    owner, other = CustomerFactory(), CustomerFactory()
    client.force_login(owner.user)
    client.post("/payments/checkout/", {"amount": "5", "currency": "EUR", "provider": "stripe"})
    payment = Payment.objects.get()
    assert client.get(f"/payments/{payment.pk}/pay/").status_code == 200
    client.force_login(other.user)
    assert client.get(f"/payments/{payment.pk}/pay/").status_code == 404
    assert client.get(f"/payments/{payment.pk}/receipt/").status_code == 404


def test_staff_without_a_customer_record_cannot_check_out(client, django_user_model):
    user = django_user_model.objects.create_user(username="staffer", password="x-pass-1234")
    client.force_login(user)
    assert client.get("/payments/checkout/").status_code == 403
