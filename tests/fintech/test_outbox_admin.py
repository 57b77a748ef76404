"""The outbox's admin page: read-only, for operators (Payments Operations, Auditors), never
showing a message's sealed part."""

import pytest
from django.utils import timezone

from fintech import roles
from fintech.models import OutboxMessage
from fintech.outbox import outbox_task_enqueue
from tests.factories import PASSWORD, make_staff
from tests.helpers import admin_login

pytestmark = pytest.mark.django_db

LIST = "/admin/fintech/outboxmessage/"
NONCE = "fake-valid-nonce-7f3a9c"  # a sealed value: must never reach a page


@pytest.fixture
def messages():
    waiting = outbox_task_enqueue("payments.submit_braintree_sale", 41, sealed={"nonce": NONCE})
    sent = outbox_task_enqueue("payments.reconcile", 7)
    OutboxMessage.objects.filter(pk=sent.pk).update(sent_at=timezone.now())
    return waiting, sent


def _listed(page) -> list[int]:
    assert page.status_code == 200
    return [message.pk for message in page.context["cl"].result_list]


def _logged_in(client, role):
    user, device = make_staff(role.lower().replace(" ", "-"), role)
    assert admin_login(client, user, device, password=PASSWORD).status_code == 302
    return client


@pytest.mark.parametrize("role", [roles.PAYMENTS_OPERATIONS, roles.AUDITOR])
def test_operators_list_the_outbox_filtered_by_unsent_and_sent_without_the_sealed_part(client, messages, role):
    waiting, sent = messages
    client = _logged_in(client, role)

    page = client.get(LIST)
    assert page.status_code == 200
    text = page.content.decode()
    assert "payments.submit_braintree_sale" in text and "payments.reconcile" in text
    assert NONCE not in text and "sealed" not in text.lower()

    assert _listed(client.get(LIST, {"sent": "no"})) == [waiting.pk]
    assert _listed(client.get(LIST, {"sent": "yes"})) == [sent.pk]

    detail = client.get(f"{LIST}{waiting.pk}/change/")
    assert detail.status_code == 200
    assert NONCE not in detail.content.decode() and "sealed" not in detail.content.decode().lower()


def test_the_outbox_page_is_read_only(client, messages):
    waiting, _ = messages
    client = _logged_in(client, roles.PAYMENTS_OPERATIONS)
    assert client.get(f"{LIST}add/").status_code == 403
    assert client.post(f"{LIST}{waiting.pk}/delete/", {"post": "yes"}).status_code == 403
    client.post(f"{LIST}{waiting.pk}/change/", {"destination": "payments.refund"})
    waiting.refresh_from_db()
    assert waiting.destination == "payments.submit_braintree_sale"


@pytest.mark.parametrize("role", [roles.ANALYST, roles.COMPLIANCE_OFFICER])
def test_roles_without_the_permission_cannot_see_the_outbox(client, messages, role):
    waiting, _ = messages
    client = _logged_in(client, role)
    assert client.get(LIST).status_code == 403
    assert client.get(f"{LIST}{waiting.pk}/change/").status_code == 403
    assert "outboxmessage" not in client.get("/admin/").content.decode()
