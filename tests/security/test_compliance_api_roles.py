"""Issue #17 item 3: a Payments Operations session or token read AML alerts through
`GET /api/v1/alerts/?customer=…` (the view only asked for `is_staff`), which the admin refuses
them: a tipping-off risk. The compliance API now asks for the same model permissions as the admin."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from compliance.monitoring.models import Alert
from fintech import roles
from tests.compliance.workplace.conftest import make_alert
from tests.factories import PASSWORD, CustomerFactory, make_staff
from tests.helpers import admin_login, api_client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def alerted_customer():
    customer = CustomerFactory(external_id="cus_4f2a9c", legal_name="Walter Hartwell")
    make_alert(customer, rule="structuring")
    return customer


def _token_client(user) -> APIClient:
    api = api_client_for(user)
    return api


def _session_client(user, device) -> Client:
    client = Client()
    assert admin_login(client, user, device, password=PASSWORD).status_code == 302
    return client


def test_payments_operations_cannot_read_aml_alerts_through_the_api(alerted_customer):
    payops, device = make_staff("payops", roles.PAYMENTS_OPERATIONS)
    url = f"/api/v1/alerts/?customer={alerted_customer.external_id}"

    session = _session_client(payops, device)
    for client in (_token_client(payops), session):
        response = client.get(url)
        assert response.status_code == 403
        assert "structuring" not in response.content.decode()
        assert client.post("/api/v1/screenings/", {"name": "Walter Hartwell"}).status_code == 403
    # The admin says the same: no alert data for this role.
    assert session.get("/admin/compliance/alert/").status_code == 403


@pytest.mark.parametrize("role", [roles.ANALYST, roles.COMPLIANCE_OFFICER, roles.AUDITOR])
def test_roles_that_view_alerts_in_the_admin_read_them_through_the_api(alerted_customer, role):
    user, _ = make_staff(role.lower().replace(" ", "-"), role)
    response = _token_client(user).get(f"/api/v1/alerts/?customer={alerted_customer.external_id}")
    assert response.status_code == 200
    assert [row["rule_code"] for row in response.json()["results"]] == ["structuring"]
    assert Alert.objects.count() == 1
