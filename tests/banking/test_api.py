"""/api/v1/bank-accounts/ and /api/v1/transfers/: callers see their own, masks only."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from banking.models import Transfer
from fintech.models import AuditEvent
from fintech.roles import ANALYST
from tests.factories import CustomerFactory, UserFactory, make_staff
from tests.helpers import api_client_for

pytestmark = pytest.mark.django_db
OWNER = "Alberta Bobbeth Charleson"


def _client_for(user) -> APIClient:
    return api_client_for(user)


def test_a_customer_sees_only_their_accounts_with_masks_only(fake_plaid, linked_item):
    mine = linked_item()
    theirs = linked_item(customer=CustomerFactory(legal_name=OWNER))
    client = _client_for(mine.customer.user)
    response = client.get("/api/v1/bank-accounts/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert {row["id"] for row in rows} == set(mine.accounts.values_list("pk", flat=True))
    assert all("account_number" not in row and "routing_number" not in row for row in rows)
    assert "990001000" not in response.content.decode()
    other = theirs.accounts.first()
    assert client.get(f"/api/v1/bank-accounts/{other.pk}/").status_code == 404


def test_staff_with_the_view_permission_see_every_account(fake_plaid, linked_item):
    linked_item()
    linked_item(customer=CustomerFactory(legal_name=OWNER))
    analyst, _ = make_staff("analyst@example.com", role=ANALYST)
    assert len(_client_for(analyst).get("/api/v1/bank-accounts/").json()["results"]) == 4
    nobody = _client_for(UserFactory())
    assert nobody.get("/api/v1/bank-accounts/").json()["results"] == []
    assert APIClient().get("/api/v1/bank-accounts/").status_code == 401


def test_a_customer_requests_a_transfer(fake_plaid, linked_item):
    item = linked_item()
    account = item.accounts.get(subtype="checking")
    client = _client_for(item.customer.user)
    response = client.post(
        "/api/v1/transfers/",
        {"account": account.pk, "direction": "debit", "amount": 2500, "currency": "usd", "idempotency_key": "order-1"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending" and body["account_mask"] == account.mask and len(body["checks"]) == 9
    assert AuditEvent.objects.filter(action="banking.transfer.created", target_id=str(body["id"])).exists()
    listed = client.get("/api/v1/transfers/").json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]


def test_a_refused_transfer_answers_422_with_the_reason(fake_plaid, linked_item):
    item = linked_item()
    client = _client_for(item.customer.user)
    response = client.post(
        "/api/v1/transfers/",
        {
            "account": item.accounts.get(subtype="checking").pk,
            "direction": "debit",
            "amount": 50_000_000,
            "currency": "USD",
            "idempotency_key": "big",
        },
        format="json",
    )
    assert response.status_code == 422
    assert response.json()["error"] == "transfer_refused" and "amount_within_limits" in response.json()["detail"]
    assert Transfer.objects.get().status == Transfer.Status.REFUSED


@pytest.mark.parametrize(
    "change",
    [
        {"amount": 0},
        {"amount": "ten"},
        {"currency": "XXX1"},
        {"direction": "sideways"},
        {"idempotency_key": ""},
        {"account": 999999},
    ],
)
def test_invalid_transfer_requests_answer_400_and_write_nothing(fake_plaid, linked_item, change):
    item = linked_item()
    body = {
        "account": item.accounts.first().pk,
        "direction": "debit",
        "amount": 100,
        "currency": "USD",
        "idempotency_key": "k",
    } | change
    response = _client_for(item.customer.user).post("/api/v1/transfers/", body, format="json")
    assert response.status_code == 400
    assert not Transfer.objects.exists()


def test_a_customer_cannot_move_money_from_another_customers_account(fake_plaid, linked_item):
    mine = linked_item()
    theirs = linked_item(customer=CustomerFactory(legal_name=OWNER))
    response = _client_for(mine.customer.user).post(
        "/api/v1/transfers/",
        {
            "account": theirs.accounts.first().pk,
            "direction": "debit",
            "amount": 100,
            "currency": "USD",
            "idempotency_key": "steal",
        },
        format="json",
    )
    assert response.status_code == 400
    assert not Transfer.objects.exists()


def test_only_customers_request_transfers(fake_plaid):
    analyst, _ = make_staff("analyst@example.com", role=ANALYST)
    response = _client_for(analyst).post("/api/v1/transfers/", {}, format="json")
    assert response.status_code == 403


def test_the_schema_documents_the_banking_endpoints(client):
    schema = client.get("/api/schema/").content.decode()
    assert "/api/v1/bank-accounts/" in schema and "/api/v1/transfers/" in schema
