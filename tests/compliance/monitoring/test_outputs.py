"""Admin pages, the alerts API, export_alerts, rule versioning, the payments transaction event."""

from __future__ import annotations

import io
import json

import pytest
import redis as redis_lib
from django.core.management import call_command
from rest_framework.test import APIClient

from compliance.monitoring.models import Alert, DeadLetterEvent, MonitoredTransaction, Rule
from fintech import roles
from fintech.events import publish_transaction_event
from fintech.models import AuditEvent
from fintech.outbox.relay import OutboxRelay
from fintech.services.api_clients import api_client_create
from tests.compliance.monitoring.helpers import T0, event, run
from tests.factories import PASSWORD, CustomerFactory, UserFactory, make_staff
from tests.helpers import admin_login, api_client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert():
    customer = CustomerFactory(external_id="C-42")
    return run([event(customer, T0, 1_512_345, source_id="CORE-TX-0001")], "batch")[0]


@pytest.fixture
def superuser_client(client):
    user, device = make_staff("root@example.com", superuser=True)
    admin_login(client, user, device, password=PASSWORD)
    return client


@pytest.mark.parametrize("model", ["alert", "rule", "monitoredtransaction", "deadletterevent", "anomalymodel"])
def test_admin_changelists_and_search(superuser_client, alert, model):
    assert superuser_client.get(f"/admin/compliance/{model}/").status_code == 200
    if model != "anomalymodel":
        assert superuser_client.get(f"/admin/compliance/{model}/?q=C-42").status_code == 200


def test_alert_admin_is_read_only(superuser_client, alert):
    page = superuser_client.get(f"/admin/compliance/alert/{alert.pk}/change/")
    assert page.status_code == 200 and b'name="score"' not in page.content


def test_editing_a_rule_in_the_admin_creates_a_new_version(superuser_client):
    rule = Rule.objects.get(code="large_transaction", is_current=True)
    response = superuser_client.post(
        f"/admin/compliance/rule/{rule.pk}/change/",
        {"params": json.dumps({"threshold": 2_000_000}), "enabled": "on", "severity": "high"},
    )
    assert response.status_code == 302
    versions = list(
        Rule.objects.filter(code="large_transaction").order_by("version").values_list("version", "is_current", "params")
    )
    assert versions == [(1, False, {"threshold": 1_000_000}), (2, True, {"threshold": 2_000_000})]
    assert AuditEvent.objects.filter(action="compliance.rule.versioned").exists()
    alert = run([event(CustomerFactory(), T0, 2_512_345)], "batch")[0]
    assert (alert.rule_code, alert.rule_version) == ("large_transaction", 2)


def test_alerts_api_is_for_roles_that_view_alerts_and_filters(alert):
    analyst, _ = make_staff("aml-desk", roles.ANALYST)
    api = api_client_for(analyst)
    body = api.get("/api/v1/alerts/?customer=C-42").json()
    assert [(r["rule_code"], r["customer_id"]) for r in body["results"]] == [("large_transaction", "C-42")]
    assert body["results"][0]["transaction_ids"] == ["CORE-TX-0001"]
    assert api.get("/api/v1/alerts/?rule=velocity").json()["results"] == []
    outsider = APIClient()
    _, token = api_client_create(name="shop", user=UserFactory(is_staff=False))
    outsider.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert outsider.get("/api/v1/alerts/").status_code == 403


def test_export_alerts_writes_json_lines(alert):
    out = io.StringIO()
    call_command("export_alerts", stdout=out)
    line = json.loads(out.getvalue().splitlines()[0])
    assert line["rule"] == "large_transaction" and line["customer_id"] == "C-42"
    # the ids the bank's core system gave, not our row ids: the bank joins alerts back with them
    assert line["transaction_ids"] == ["CORE-TX-0001"] and line["score"] == alert.score
    assert set(line) == {"rule", "customer_id", "transaction_ids", "score", "created_at"}
    exported = AuditEvent.objects.get(action="compliance.alert.exported")  # a bulk read, on the record
    assert exported.after == {"status": None, "count": 1, "output": "stdout"}


def test_a_payment_event_is_monitored_through_the_outbox_and_the_stream(monitoring_consumer, relay):
    customer = CustomerFactory()
    publish_transaction_event(
        source="payments",
        kind="payment.captured",
        reference="pay_1",
        amount=1_512_345,
        currency="GBP",
        direction="in",
        customer_id=customer.pk,
        occurred_at=T0.isoformat(),
    )
    relay()
    assert monitoring_consumer.consume_once("c1", block_ms=100) == 1
    tx = MonitoredTransaction.objects.get(source="payments", source_id="pay_1")
    assert (tx.customer_id, tx.amount, tx.channel) == (customer.pk, 1_512_345, "payment.captured")
    assert Alert.objects.filter(customer=customer, rule_code="large_transaction").exists()


def test_a_broken_payment_event_is_dead_lettered_not_raised(monitoring_consumer, relay):
    publish_transaction_event(
        source="payments",
        kind="payment.captured",
        reference="pay_2",
        amount="lots",
        currency="GBP",
        direction="in",
        customer_id=1,
        occurred_at=T0.isoformat(),
    )
    relay()
    assert monitoring_consumer.consume_once("c1", block_ms=100) == 1
    dead = DeadLetterEvent.objects.get()
    assert (dead.stream, dead.payload["source_id"], dead.payload["amount"]) == ("transactions", "pay_2", "lots")
    assert not MonitoredTransaction.objects.exists()


def test_run_aml_scan_command(alert):
    out = io.StringIO()
    call_command("run_aml_scan", "--from", "2026-05-01", "--to", "2026-07-01", stdout=out)
    assert "alerts=0" in out.getvalue() and Alert.objects.count() == 1


def test_run_aml_scan_task_called_directly(alert):
    from compliance.tasks import run_aml_scan_task

    assert run_aml_scan_task(start="2026-05-01T00:00:00+00:00", end="2026-07-01T00:00:00+00:00") == {
        "candidates": 1,
        "alerts": 0,
        "anomaly_alerts": 0,
        "arrived_out_of_period": 0,
    }


def test_an_unreachable_stream_keeps_the_payment_event_until_it_is_back(monitoring_consumer, relay):
    customer = CustomerFactory()
    publish_transaction_event(
        source="payments",
        kind="payment.captured",
        reference="pay_3",
        amount=100,
        currency="GBP",
        direction="in",
        customer_id=customer.pk,
        occurred_at=T0.isoformat(),
    )
    with pytest.raises(redis_lib.ConnectionError):
        OutboxRelay(redis_url="redis://127.0.0.1:1/0").send_batch()
    assert not DeadLetterEvent.objects.exists()  # nothing to replay by hand: the outbox still holds it
    relay()  # Redis is back
    assert monitoring_consumer.consume_once("c1", block_ms=100) == 1
    assert MonitoredTransaction.objects.filter(source="payments", source_id="pay_3").count() == 1


def test_a_published_event_carries_its_counterparty_to_monitoring(monitoring_consumer, relay):
    # given: a money movement published the way payments and banking publish it
    customer = CustomerFactory()
    publish_transaction_event(
        source="banking",
        kind="transfer",
        reference="transfer:9",
        amount=25_000,
        currency="GBP",
        customer_id=customer.pk,
        occurred_at=T0.isoformat(),
        direction="out",
        channel="bank_transfer",
        counterparty_name="Jane Roe",
        counterparty_account="GB29NWBK60161331926819",
        counterparty_country="IR",
    )
    relay()
    # when
    assert monitoring_consumer.consume_once("c1", block_ms=100) == 1
    # then: the rules have what they group and judge by
    tx = MonitoredTransaction.objects.get(source="banking", source_id="transfer:9")
    assert (tx.counterparty_name, tx.counterparty_account, tx.counterparty_country, tx.channel) == (
        "Jane Roe",
        "GB29NWBK60161331926819",
        "IR",
        "bank_transfer",
    )
    assert Alert.objects.filter(customer=customer, rule_code="high_risk_country").exists()
