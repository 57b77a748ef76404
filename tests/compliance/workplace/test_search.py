"""The fuzzy search page: typo-tolerant names through pg_trgm on PostgreSQL, links to the admin."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from compliance.monitoring.models import MonitoredTransaction
from compliance.workplace.search import fuzzy_search
from tests.factories import CustomerFactory

from .conftest import make_case

pytestmark = pytest.mark.django_db
URL = "/admin/compliance/alert/search/"


@pytest.fixture
def book(db):
    smith = CustomerFactory(legal_name="John Smith", external_id="cus_js_0001")
    CustomerFactory(legal_name="Maria Gonzalez", external_id="cus_mg_0002")
    CustomerFactory(legal_name="Johanna Schmidt-Weber", external_id="cus_jw_0003")
    case = make_case(smith)
    now = timezone.now()
    for i, name in enumerate(["Acme Trading Limited", "Acme Trading Limited", "Globex Corporation", ""]):
        MonitoredTransaction.objects.create(
            source="import",
            source_id=f"tx-2025-{i:04d}",
            customer=smith,
            occurred_at=now - datetime.timedelta(hours=i),
            direction="out",
            amount=12_345,
            currency="GBP",
            counterparty_name=name,
        )
    return {"smith": smith, "case": case}


def test_the_trigram_indexes_exist():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%%gin_trgm_ops%%'")
        names = {row[0] for row in cursor.fetchall()}
    assert {"customer_legal_name_trgm", "monitoredtx_counterparty_trgm", "case_reference_trgm"} <= names


def test_typos_find_the_customer_and_the_case(book):
    found = fuzzy_search("Jon Smyth")
    assert found["customers"][0].label == "John Smith"
    assert "Maria Gonzalez" not in {hit.label for hit in found["customers"]}
    assert [hit.pk for hit in found["cases"]] == [book["case"].pk]
    assert fuzzy_search("Jhon Smith")["customers"][0].label == "John Smith"
    assert fuzzy_search("smiht")["customers"][0].label == "John Smith"  # one word of the name


def test_counterparties_transactions_and_identifiers(book):
    found = fuzzy_search("acme tradeing")
    assert [(hit.label, hit.detail) for hit in found["counterparties"]] == [
        ("Acme Trading Limited", "2 transaction(s)")
    ]
    assert {hit.label for hit in found["transactions"]} == {"import:tx-2025-0000", "import:tx-2025-0001"}
    assert [hit.label for hit in fuzzy_search("tx-2025-0002")["transactions"]][:1] == ["import:tx-2025-0002"]
    assert [hit.label for hit in fuzzy_search("cus_mg_0002")["customers"]][:1] == ["Maria Gonzalez"]
    assert [hit.pk for hit in fuzzy_search(book["case"].reference.lower())["cases"]] == [book["case"].pk]


def test_short_queries_find_nothing(book):
    assert fuzzy_search("Jo") == {"customers": [], "counterparties": [], "transactions": [], "cases": []}


def test_the_page_links_each_result_to_its_admin_page(officer_client, book):
    page = officer_client.get(URL, {"q": "Jon Smyth"})
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="/admin/fintech/customer/{book["smith"].pk}/change/">John Smith</a>' in html
    assert f'href="/admin/compliance/case/{book["case"].pk}/case/">{book["case"].reference}</a>' in html
    page = officer_client.get(URL, {"q": "Globex Corp"})
    link = 'href="/admin/compliance/monitoredtransaction/?counterparty_name=Globex+Corporation"'
    assert link in page.content.decode()


def test_the_search_page_for_auditors_and_not_payments_operations(auditor_client):
    assert auditor_client.get(URL, {"q": "anything"}).status_code == 200


def test_payments_operations_cannot_search_case_data(payments_ops_client):
    assert payments_ops_client.get(URL, {"q": "anything"}).status_code == 403
