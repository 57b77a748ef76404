"""Replaying a dead letter from the admin: Compliance Officers only, once, audited."""

from __future__ import annotations

import pytest

from compliance.monitoring.models import Alert, DeadLetterEvent, MonitoredTransaction
from compliance.monitoring.stream import EventStream
from fintech.models import AuditEvent
from fintech.roles import ANALYST, COMPLIANCE_OFFICER
from tests.compliance.monitoring.helpers import T0, event
from tests.factories import PASSWORD, CustomerFactory, make_staff
from tests.helpers import admin_login

pytestmark = pytest.mark.django_db
URL = "/admin/compliance/deadletterevent/"


def _dead(payload: dict) -> DeadLetterEvent:
    return DeadLetterEvent.objects.create(
        stream="transactions",
        message_id="1-0",
        payload=payload,
        attempts=5,
        error="OperationalError('database went away')",
    )


def _client(client, role: str):
    user, device = make_staff(f"{role.split()[0].lower()}@example.com", role)
    admin_login(client, user, device, password=PASSWORD)
    return client, user


def _replay(client, dead: DeadLetterEvent):
    return client.post(URL, {"action": "replay", "_selected_action": [dead.pk]}, follow=True)


def test_an_officer_replays_once_and_the_consumers_decide_it(client, monitoring_consumer):
    dead = _dead(event(CustomerFactory(), T0, 1_512_345))
    client, officer = _client(client, COMPLIANCE_OFFICER)
    assert _replay(client, dead).status_code == 200
    dead.refresh_from_db()
    assert dead.replayed_at is not None and dead.replayed_by == officer
    audit = AuditEvent.objects.get(action="compliance.dead_letter.replayed")
    assert audit.actor_id == officer.pk and audit.after["to"] == "stream"
    assert monitoring_consumer.consume_once("c1", block_ms=100) == 1
    assert MonitoredTransaction.objects.count() == 1
    assert list(Alert.objects.values_list("rule_code", flat=True)) == ["large_transaction"]
    # a second replay is refused and changes nothing
    response = _replay(client, dead)
    assert b"was replayed at" in response.content
    assert AuditEvent.objects.filter(action="compliance.dead_letter.replayed").count() == 1


def test_the_payload_goes_back_onto_the_stream(client, redis_url):
    stream = EventStream.from_url(redis_url)
    before = stream.client.xlen(stream.stream) if stream.client.exists(stream.stream) else 0
    payload = event(CustomerFactory(), T0, 12_345)
    dead = _dead(payload)
    client, _ = _client(client, COMPLIANCE_OFFICER)
    _replay(client, dead)
    last_id, fields = stream.client.xrevrange(stream.stream, count=1)[0]
    try:
        assert stream.client.xlen(stream.stream) == before + 1
        assert f'"source_id":"{payload["source_id"]}"' in fields["event"]
        dead.refresh_from_db()
        assert dead.replayed_at is not None
    finally:
        stream.client.xdel(stream.stream, last_id)


def test_an_analyst_cannot_replay(client):
    dead = _dead(event(CustomerFactory(), T0, 1_512_345))
    client, _ = _client(client, ANALYST)
    _replay(client, dead)
    dead.refresh_from_db()
    assert dead.replayed_at is None and not MonitoredTransaction.objects.exists()


def test_a_still_malformed_payload_is_refused(client):
    dead = _dead({"raw": {"event": "{not json"}})
    client, _ = _client(client, COMPLIANCE_OFFICER)
    response = _replay(client, dead)
    assert b"still not a valid event" in response.content
    dead.refresh_from_db()
    assert dead.replayed_at is None
