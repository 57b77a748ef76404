"""Issue #18 item 5: staff screens show money in its currency, an alert's evidence as its
transactions (each linked), the page title once, tables that fit, and no "View site" that
leads staff to a 403."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from compliance.cases.models import SarDraft
from compliance.monitoring.models import Alert, MonitoredTransaction
from tests.factories import CustomerFactory

from .conftest import make_alert, make_case

pytestmark = pytest.mark.django_db


def _transaction(customer, n: int, amount: int, currency: str = "EUR") -> MonitoredTransaction:
    return MonitoredTransaction.objects.create(
        source="test",
        source_id=f"tx-{n}",
        customer=customer,
        occurred_at=timezone.now() - datetime.timedelta(hours=n),
        direction="in",
        amount=amount,
        currency=currency,
        channel="wire",
        counterparty_name=f"Sender {n}",
    )


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_monitored_transactions_show_money_with_its_currency(officer_client):
    tx = _transaction(CustomerFactory(), 1, 2745000)
    _transaction(tx.customer, 2, 1500, "JPY")
    listing = _text(officer_client.get("/admin/compliance/monitoredtransaction/"))
    assert "27,450.00 EUR" in listing and "1,500 JPY" in listing
    assert "2745000" not in listing
    detail = _text(officer_client.get(f"/admin/compliance/monitoredtransaction/{tx.pk}/change/"))
    assert "27,450.00 EUR" in detail and "Minor units" not in detail


def test_sar_list_shows_the_total_with_its_currency(officer_client):
    case = make_case(CustomerFactory())
    SarDraft.objects.create(
        case=case,
        subject="{}",
        narrative="n",
        amount_total=2745000,
        currency="EUR",
        activity_from=datetime.date(2026, 1, 1),
        activity_to=datetime.date(2026, 1, 31),
        created_by=officer_client.user,
    )
    listing = _text(officer_client.get("/admin/compliance/sardraft/"))
    assert "27,450.00 EUR" in listing and "2745000" not in listing


def test_alert_evidence_lists_the_transactions_linked_to_their_pages(officer_client):
    customer = CustomerFactory()
    txs = [_transaction(customer, n, 100_000 + n) for n in range(1, 5)]
    alert = make_alert(customer)
    Alert.objects.filter(pk=alert.pk).update(transaction_ids=[tx.pk for tx in txs])
    page = officer_client.get(f"/admin/compliance/alert/{alert.pk}/change/").content.decode()
    for tx in txs:
        assert f'href="/admin/compliance/monitoredtransaction/{tx.pk}/change/"' in page
    assert "1,000.01 EUR" in page and "Sender 4" in page
    assert "Transaction ids" not in page and str([tx.pk for tx in txs]) not in page


def test_queues_leave_their_width_to_the_columns(officer_client):
    # The navigation sidebar took a fifth of a 1,400 px screen: status, score and amount scrolled off.
    customer = CustomerFactory()
    make_alert(customer)
    _transaction(customer, 1, 1000)
    for url in ("/admin/compliance/alert/", "/admin/compliance/monitoredtransaction/"):
        page = officer_client.get(url).content.decode()
        assert 'id="nav-sidebar"' not in page
    columns = re.findall(r'<th scope="col" class="[^"]*column-(\w+)', page)
    assert columns == [
        "occurred_at",
        "source",
        "source_id",
        "customer",
        "direction",
        "amount_money",
        "channel",
        "counterparty_country",
    ]


@pytest.mark.parametrize("url", ["/admin/compliance/alert/dashboard/", "/admin/compliance/alert/search/"])
def test_a_page_shows_its_title_once(officer_client, url):
    page = officer_client.get(url).content.decode()
    assert len(re.findall(r"<h1>[^<]*Compliance (dashboard|search)</h1>", page)) == 1


def test_staff_have_no_view_site_link_and_the_site_sends_them_to_the_back_office(officer_client):
    index = officer_client.get("/admin/").content.decode()
    assert "View site" not in index
    response = officer_client.get("/")
    assert response.status_code == 302 and response["Location"] == "/admin/"
