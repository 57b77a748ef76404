"""Schemathesis against our own OpenAPI schema, as an authenticated API client.

Every operation in /api/schema/ is fuzzed: no 5xx, every response conforms to the
schema (status codes, content types, bodies), and data the schema forbids is refused
with a 4xx. New endpoints are covered as soon as they are in the schema.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from config.wsgi import application
from fintech.services.api_clients import api_client_create
from tests.factories import CustomerFactory

# Loaded at collection: producing the schema reads no database. (schemathesis'
# fixture-based lazy loader uses a pytest internal that pytest 9 removed.)
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture(autouse=True)
def _keep_the_test_transaction_open():
    """schemathesis calls the WSGI app directly, so Django's end-of-request handler would
    close the test's connection mid-transaction; Django's own test client disconnects
    the handler from both request signals in the same way."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def client_token(db):
    customer = CustomerFactory()
    _, token = api_client_create(name="fuzzer", user=customer.user)
    return token


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, client_token):
    # Every check but "schema-valid data is accepted": a body can be schema-valid and
    # still be refused by a business rule (an account that is not the caller's, a
    # currency the account does not hold), and that refusal is a correct 400.
    case.call_and_validate(
        headers={"Authorization": f"Token {client_token}"},
        excluded_checks=[positive_data_acceptance],
    )
