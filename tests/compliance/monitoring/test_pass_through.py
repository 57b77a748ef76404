"""Layering: money passed on through a chain of accounts within hours, at nearly the same amount (#19)."""

from __future__ import annotations

import random

import pytest

from compliance.monitoring.models import Alert, MonitoredTransaction, Rule
from compliance.monitoring.services.evaluation import aml_scan_run, events_evaluate, transactions_upsert
from tests.compliance.monitoring.helpers import T0, days, hours
from tests.compliance.monitoring.test_network import transfer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def switched_on():
    """The rule ships switched off; these tests are about what it decides when an officer enables it."""
    Rule.objects.filter(code="pass_through", is_current=True).update(enabled=True)


def chain(people, amounts, gap) -> list[dict]:
    """people[0] -> people[1] -> ... each hop `gap` after the previous."""
    rows = []
    for i, amount in enumerate(amounts):
        rows += transfer(100 + i, people[i], people[i + 1], T0 + gap * i, amount)
    return rows


def _alerts() -> dict[int, list[str]]:
    source_ids = dict(MonitoredTransaction.objects.values_list("pk", "source_id"))
    return {
        a.customer_id: sorted(source_ids[i] for i in a.transaction_ids)
        for a in Alert.objects.filter(rule_code="pass_through")
    }


def _batch(rows: list[dict]) -> None:
    transactions_upsert(events=rows)
    aml_scan_run(start=T0 - days(10), end=T0 + days(30))


def _stream(rows: list[dict], seed: int | None = None) -> None:
    rows = sorted(rows, key=lambda r: r["occurred_at"]) if seed is None else random.Random(seed).sample(rows, len(rows))
    for row in rows:
        events_evaluate(events=[row])


@pytest.mark.parametrize("deliver", [_batch, _stream, lambda rows: _stream(rows, seed=3)])
def test_money_passed_on_through_three_accounts_alerts_each_sender_with_the_chain(switched_on, deliver):
    # given: A -> B -> C -> D, each passing the money on within a day, a little less each time
    people = [CustomerFactory() for _ in range(4)]
    rows = chain(people, [500_000, 495_000, 490_500], hours(20))
    # when
    deliver(rows)
    # then: A, B and C (who sent it on) are alerted with the three out-transfers as evidence
    alerts = _alerts()
    assert set(alerts) == {p.pk for p in people[:3]}
    assert all(ids == ["t100-out", "t101-out", "t102-out"] for ids in alerts.values())


def test_two_hops_are_not_a_chain(switched_on):
    people = [CustomerFactory() for _ in range(3)]
    _batch(chain(people, [500_000, 495_000], hours(20)))
    assert _alerts() == {}


def test_money_that_rests_longer_than_the_dwell_time_is_not_passed_through(switched_on):
    people = [CustomerFactory() for _ in range(4)]
    _batch(chain(people, [500_000, 495_000, 490_500], days(4)))
    assert _alerts() == {}


def test_a_hop_of_a_different_amount_breaks_the_chain(switched_on):
    people = [CustomerFactory() for _ in range(4)]
    _batch(chain(people, [500_000, 495_000, 450_000], hours(20)))
    assert _alerts() == {}


def test_the_rule_ships_switched_off():
    assert Rule.objects.get(code="pass_through", is_current=True).enabled is False
    people = [CustomerFactory() for _ in range(5)]
    _batch(chain(people, [500_000, 499_000, 498_000, 497_000], hours(5)))
    assert _alerts() == {}
