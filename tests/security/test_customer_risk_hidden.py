"""Issue #17 (smaller point): Payments Operations saw customers' AML risk rating in the customer
admin (list column, filter, page). It is compliance data: hidden from that role everywhere,
including a hand-made `?risk_rating=high` filter in the URL."""

from __future__ import annotations

import pytest

from fintech import roles
from tests.factories import PASSWORD, CustomerFactory, make_staff
from tests.helpers import admin_login

pytestmark = pytest.mark.django_db


def _login(client, role: str):
    user, device = make_staff(role.lower().replace(" ", "-"), role)
    assert admin_login(client, user, device, password=PASSWORD).status_code == 302
    return client


@pytest.fixture
def risky(db):
    return CustomerFactory(legal_name="Walter Hartwell", risk_rating="high", risk_score=87)


def test_payments_operations_never_see_a_customers_risk_rating(client, risky):
    client = _login(client, roles.PAYMENTS_OPERATIONS)

    listed = client.get("/admin/fintech/customer/")
    page = client.get(f"/admin/fintech/customer/{risky.pk}/change/")
    filtered = client.get("/admin/fintech/customer/?risk_rating=high")
    by_score = client.get("/admin/fintech/customer/?risk_score__gte=80")

    assert listed.status_code == 200 and page.status_code == 200
    for response in (listed, page):
        html = response.content.decode()
        assert "risk_rating" not in html and "risk_score" not in html and "Risk rating" not in html
    assert "Walter Hartwell" in listed.content.decode()  # the customer is there, its rating is not
    assert filtered.status_code == 400 and by_score.status_code == 400


def test_compliance_roles_still_see_the_risk_rating(client, risky):
    client = _login(client, roles.COMPLIANCE_OFFICER)
    assert "column-risk_rating" in client.get("/admin/fintech/customer/").content.decode()
    assert "87" in client.get(f"/admin/fintech/customer/{risky.pk}/change/").content.decode()
    filtered = client.get("/admin/fintech/customer/?risk_rating=high")
    assert filtered.status_code == 200 and "Walter Hartwell" in filtered.content.decode()
