"""Scatter-gather: one source pays several intermediaries that all pay one destination (#19)."""

from __future__ import annotations

import random

import pytest

from compliance.monitoring.models import Alert, MonitoredTransaction
from compliance.monitoring.services.evaluation import aml_scan_run, events_evaluate, transactions_upsert
from tests.compliance.monitoring.helpers import T0, days, hours
from tests.compliance.monitoring.test_network import transfer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def scatter_gather(middles: int, *, gather_after_days: float = 2) -> tuple[list, list[dict]]:
    """S pays each intermediary on consecutive hours; each pays D `gather_after_days` later."""
    source, destination = CustomerFactory(), CustomerFactory()
    people = [CustomerFactory() for _ in range(middles)]
    rows = []
    for i, middle in enumerate(people):
        rows += transfer(200 + i, source, middle, T0 + hours(i), 300_000)
        rows += transfer(300 + i, middle, destination, T0 + hours(i) + days(gather_after_days), 290_000)
    return [source, *people], rows


def _alerts() -> dict[int, list[str]]:
    source_ids = dict(MonitoredTransaction.objects.values_list("pk", "source_id"))
    return {
        a.customer_id: sorted(source_ids[i] for i in a.transaction_ids)
        for a in Alert.objects.filter(rule_code="scatter_gather")
    }


def _batch(rows: list[dict]) -> None:
    transactions_upsert(events=rows)
    aml_scan_run(start=T0 - days(10), end=T0 + days(40))


def _stream(rows: list[dict], seed: int | None = None) -> None:
    rows = sorted(rows, key=lambda r: r["occurred_at"]) if seed is None else random.Random(seed).sample(rows, len(rows))
    for row in rows:
        events_evaluate(events=[row])


@pytest.mark.parametrize("deliver", [_batch, _stream, lambda rows: _stream(rows, seed=5)])
def test_money_spread_over_three_accounts_and_gathered_again_alerts_the_source_and_each_intermediary(deliver):
    senders, rows = scatter_gather(3)
    deliver(rows)
    alerts = _alerts()
    assert set(alerts) == {p.pk for p in senders}
    expected = sorted(r["source_id"] for r in rows if r["direction"] == "out")
    assert all(ids == expected for ids in alerts.values())


def test_two_intermediaries_are_not_enough():
    _, rows = scatter_gather(2)
    _batch(rows)
    assert _alerts() == {}


def test_gathered_after_the_window_is_not_a_scatter_gather():
    _, rows = scatter_gather(3, gather_after_days=15)
    _batch(rows)
    assert _alerts() == {}


def test_intermediaries_paying_different_destinations_are_not_gathered():
    source = CustomerFactory()
    rows = []
    for i in range(4):
        middle, payee = CustomerFactory(), CustomerFactory()
        rows += transfer(400 + i, source, middle, T0 + hours(i), 300_000)
        rows += transfer(500 + i, middle, payee, T0 + days(1), 290_000)
    _batch(rows)
    assert _alerts() == {}
