import pytest

from payments.models import Payment
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_the_dashboard_lists_the_customers_own_payments_in_major_units(client):
    mine, theirs = CustomerFactory(), CustomerFactory()
    Payment.objects.create(customer=mine, amount=123456, currency="USD", status=Payment.Status.SUCCEEDED)
    Payment.objects.create(customer=theirs, amount=777, currency="JPY")
    client.force_login(mine.user)
    page = client.get("/dashboard/").content.decode()
    assert "1,234.56 USD" in page and "Succeeded" in page
    assert "777 JPY" not in page


def test_a_receipt_is_shown_to_its_customer_only(client):
    mine, theirs = CustomerFactory(legal_name="Mina Owner"), CustomerFactory()
    payment = Payment.objects.create(customer=mine, amount=2500, currency="EUR", amount_refunded=500)
    client.force_login(mine.user)
    page = client.get(f"/payments/{payment.pk}/receipt/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "25.00 EUR" in body and "Refunded" in body and "5.00 EUR" in body and "Mina Owner" in body
    client.force_login(theirs.user)
    assert client.get(f"/payments/{payment.pk}/receipt/").status_code == 404


def test_an_empty_history_says_so(client):
    customer = CustomerFactory()
    client.force_login(customer.user)
    assert "No payments yet." in client.get("/dashboard/").content.decode()
