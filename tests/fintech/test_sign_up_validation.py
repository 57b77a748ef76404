"""Issue #18 item 5: sign-up refuses a country that is not an ISO 3166 code and a customer
younger than CUSTOMER_MINIMUM_AGE (18 by default), with a clear message, writing nothing."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from freezegun import freeze_time

from fintech.models import AuditEvent, Customer

pytestmark = pytest.mark.django_db
SIGN_UP = {
    "legal_name": "Ada Lovelace",
    "email": "ada@example.com",
    "country": "GB",
    "date_of_birth": "1990-12-10",
    "password1": "analytical-engine-1843",
    "password2": "analytical-engine-1843",
}


def _refused(client, **fields) -> str:
    response = client.post("/accounts/signup/", {**SIGN_UP, **fields})
    assert response.status_code == 200
    assert not Customer.objects.exists()
    assert not AuditEvent.objects.filter(action="fintech.customer.signed_up").exists()
    return response.content.decode()


@pytest.mark.parametrize("country", ["XX", "ZZ", "UK", "AA"])
def test_a_country_that_is_not_iso_3166_is_refused(client, country):
    assert f"{country} is not a country" in _refused(client, country=country)


def test_a_child_born_in_2020_is_refused(client):
    assert "at least 18 years old" in _refused(client, date_of_birth="2020-05-01")


def test_a_date_of_birth_in_the_future_is_refused(client):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert "in the future" in _refused(client, date_of_birth=tomorrow.isoformat())


@freeze_time("2026-12-07 12:00:00")
def test_the_minimum_age_is_reached_on_the_birthday(client):
    assert "at least 18" in _refused(client, date_of_birth="2008-12-08")
    response = client.post("/accounts/signup/", {**SIGN_UP, "date_of_birth": "2008-12-07"})
    assert response.status_code == 302 and str(Customer.objects.get().date_of_birth) == "2008-12-07"


def test_the_minimum_age_is_configurable(client, settings):
    settings.CUSTOMER_MINIMUM_AGE = 21
    assert "at least 21 years old" in _refused(client, date_of_birth=f"{timezone.localdate().year - 20}-01-01")


def test_a_lower_case_iso_code_is_accepted(client):
    response = client.post("/accounts/signup/", {**SIGN_UP, "country": " de "})
    assert response.status_code == 302 and Customer.objects.get().country == "DE"
