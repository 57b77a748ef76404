import re

import pytest

from fintech.models import AuditEvent, Customer
from fintech.selectors import customer_by_email
from tests.factories import PASSWORD, CustomerFactory

pytestmark = pytest.mark.django_db

SIGN_UP = {
    "legal_name": "Ada Lovelace",
    "email": "Ada@Example.com",
    "country": "gb",
    "date_of_birth": "1990-12-10",
    "password1": "analytical-engine-1843",
    "password2": "analytical-engine-1843",
}


def test_sign_up_creates_the_login_and_the_profile_and_the_mailed_link_signs_in(client, mailoutbox):
    response = client.post("/accounts/signup/", SIGN_UP)
    assert response.status_code == 302 and response["Location"] == "/accounts/signup/done/"
    customer = customer_by_email("ada@example.com")
    # the login is named by the opaque customer reference; the email lives only on the customer, encrypted
    assert customer.user.username == customer.external_id and customer.user.email == ""
    assert customer.email == "ada@example.com" and customer.country == "GB"
    assert str(customer.date_of_birth) == "1990-12-10"
    assert not customer.user.is_active  # until the owner of the address follows the link
    event = AuditEvent.objects.get(action="fintech.customer.signed_up")
    assert event.target_id == str(customer.pk) and event.after["date_of_birth"] == "<set>"
    link = re.search(r"http://testserver(/accounts/confirm/\S+)", mailoutbox[0].body).group(1)
    assert client.get(link).status_code == 302
    assert AuditEvent.objects.filter(action="fintech.customer.address_confirmed", actor=customer.user).exists()
    assert client.get(link).status_code == 400  # once only
    dashboard = client.get("/dashboard/")
    assert dashboard.status_code == 200 and b"Welcome, Ada Lovelace" in dashboard.content


@pytest.mark.parametrize(
    ("field", "value"),
    [("password1", "short-pw"), ("country", "G1"), ("email", "not-an-email"), ("password2", "something-else-xx")],
)
def test_invalid_sign_up_writes_nothing(client, field, value):
    response = client.post("/accounts/signup/", {**SIGN_UP, field: value})
    assert response.status_code == 200
    assert not Customer.objects.exists()
    assert not AuditEvent.objects.filter(action="fintech.customer.signed_up").exists()


def test_login_and_logout(client):
    customer = CustomerFactory()
    response = client.post("/accounts/login/", {"username": customer.user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/dashboard/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/dashboard/").status_code == 302


def test_dashboard_needs_a_login(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_logout_needs_csrf_token():
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    customer = CustomerFactory()
    strict.force_login(customer.user)
    assert strict.post("/accounts/logout/").status_code == 403


def test_responses_carry_a_request_id(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="abc12345-req")
    assert response["X-Request-ID"] == "abc12345-req"
    generated = client.get("/healthz", HTTP_X_REQUEST_ID="bad id with spaces")
    assert len(generated["X-Request-ID"]) == 32
