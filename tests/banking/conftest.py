from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.db import transaction

from banking.models import PlaidItem
from banking.services.items import item_link_exchange
from payments.models import Payment
from payments.services.payments import payment_create, payment_transition
from sandbox.plaid_server import CLIENT_ID, SECRET, FakePlaidServer
from tests.factories import CustomerFactory
from tests.helpers import settings_set_from_env

OWNER = "Alberta Bobbeth Charleson"
INSTITUTION = "ins_109512"


@pytest.fixture
def fake_plaid(settings, monkeypatch):
    """The fake Plaid API, with the adapter talking to it through the real SDK."""
    server = FakePlaidServer().start()
    settings_set_from_env(
        settings, monkeypatch, {"PLAID_HOST": server.url, "PLAID_CLIENT_ID": CLIENT_ID, "PLAID_SECRET": SECRET}
    )
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Webhook verification keys are cached; each test has its own fake Plaid and key.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def capture_tasks():
    """`with capture_tasks() as tasks:` the tasks recorded in the outbox inside the block."""
    from tests.helpers import recorded_tasks

    return recorded_tasks


@pytest.fixture
def linked_item(fake_plaid):
    """A customer's item, exchanged and with its accounts loaded, as the exchange task leaves it."""

    def make(*, customer=None, owner_names=(OWNER,), link_institution_id=INSTITUTION, **item) -> PlaidItem:
        customer = customer or CustomerFactory(legal_name=OWNER)
        public_token = fake_plaid.item_add(owner_names=owner_names, **item)
        return item_link_exchange(
            customer_id=customer.pk, public_token=public_token, link_institution_id=link_institution_id
        )

    return make


def post_webhook(client, server: FakePlaidServer, payload: dict | bytes, **sign):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return client.post(
        "/webhooks/plaid/",
        data=body,
        content_type="application/json",
        HTTP_PLAID_VERIFICATION=server.sign_webhook(body, **sign),
    )


def fund_customer(customer, amount: int, currency: str = "USD") -> Payment:
    """Money the customer paid in by card, succeeded at the gateway: the payment service
    (what the gateway's webhook runs) credits the customer's own balance in the ledger."""
    with transaction.atomic():
        payment = payment_create(customer=customer, amount=amount, currency=currency)
        Payment.objects.filter(pk=payment.pk).update(gateway_reference=f"pi_funds_{payment.pk}")
        assert payment_transition(
            payment=payment, to=Payment.Status.SUCCEEDED, charge_reference=f"ch_funds_{payment.pk}"
        )
    return payment
