"""fintech.json_input: the bounds every JSON entry point shares."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from fintech.json_input import MAX_DEPTH, JsonInputError, json_body_parse
from fintech.services.api_clients import api_client_create
from payments.models import Payment, WebhookDelivery
from tests.factories import CustomerFactory
from tests.payments.conftest import signed_headers, webhook_secrets  # noqa: F401  (fixture)


def _nested(depth: int) -> bytes:
    return ("[" * depth + "]" * depth).encode()


def test_nesting_up_to_the_limit_is_accepted_and_one_more_is_refused():
    assert json_body_parse(_nested(MAX_DEPTH)) is not None
    with pytest.raises(JsonInputError) as refused:
        json_body_parse(_nested(MAX_DEPTH + 1))
    assert refused.value.code == "json_too_deep"


@pytest.mark.parametrize("raw", [b"{", b"NaN", b'{"a": Infinity}', b"\xff\xfe", b'{"amount": 1e999999}'])
def test_anything_but_strict_json_is_refused(raw):
    with pytest.raises(JsonInputError) as refused:
        json_body_parse(raw)
    assert refused.value.code == "invalid_json"


def test_a_body_over_the_ceiling_is_refused_before_parsing(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64
    with pytest.raises(JsonInputError) as refused:
        json_body_parse(json.dumps({"padding": "x" * 64}).encode())
    assert refused.value.code == "body_too_large"


@pytest.mark.django_db
def test_the_api_refuses_a_body_over_the_ceiling(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    customer = CustomerFactory()
    _, token = api_client_create(name="client", user=customer.user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    body = json.dumps({"amount": 100, "currency": "EUR", "padding": "x" * 2048})
    response = api.post("/api/v1/payments/", data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 400 and response.json()["error"]
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_a_webhook_body_over_the_ceiling_is_a_json_400_and_not_stored(client, settings, webhook_secrets):  # noqa: F811
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = json.dumps({"id": "evt_big", "type": "charge.succeeded", "padding": "x" * 2048})
    response = client.post("/webhooks/stripe/", data=body, content_type="application/json", **signed_headers(body))
    assert response.status_code == 400 and response.json()["error"]
    assert not WebhookDelivery.objects.exists()
