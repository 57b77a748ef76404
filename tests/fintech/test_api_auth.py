import pytest
from rest_framework.test import APIClient

from fintech.models import ApiClient, AuditEvent
from fintech.services.api_clients import api_client_create, api_client_revoke
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer_client():
    customer = CustomerFactory(legal_name="Grace Hopper")
    client, token = api_client_create(name="bookkeeping", user=customer.user)
    return customer, client, token


def test_requests_without_a_token_are_refused():
    response = APIClient().get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


def test_a_client_token_authenticates_as_its_user(customer_client):
    customer, client, token = customer_client
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    body = api.get("/api/v1/me/").json()
    assert body["client"] == "bookkeeping"
    assert body["customer"]["external_id"] == customer.external_id
    assert ApiClient.objects.get(pk=client.pk).last_used_at is not None


def test_only_the_token_hash_is_stored(customer_client):
    _, client, token = customer_client
    assert token not in ApiClient.objects.filter(pk=client.pk).values_list("token_hash", flat=True)[0]
    assert AuditEvent.objects.filter(action="fintech.api_client.created", target_id=str(client.pk)).exists()


@pytest.mark.parametrize("header", ["Token", "Token fk_wrong", "Token a b", "Bearer something"])
def test_bad_or_unknown_tokens_are_refused(header):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=header)
    assert api.get("/api/v1/me/").status_code == 401


def test_a_revoked_token_stops_working(customer_client):
    customer, client, token = customer_client
    api_client_revoke(client=client, actor=None)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/v1/me/").status_code == 401
    assert AuditEvent.objects.filter(action="fintech.api_client.revoked").exists()


def test_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/me/" in schema.content
    assert b"ApiClientToken" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
