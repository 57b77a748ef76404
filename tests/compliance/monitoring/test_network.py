"""Network typologies across customers: money that goes round a ring back to its origin (#19)."""

from __future__ import annotations

import random

import pytest

from compliance.monitoring.models import Alert, MonitoredTransaction
from compliance.monitoring.services.evaluation import aml_scan_run, events_evaluate, transactions_upsert
from tests.compliance.monitoring.helpers import T0, days, hours
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def transfer(n: int, sender, receiver, at, amount: int) -> list[dict]:
    """One transfer as the bank's file has it: an `out` row for the sender, an `in` row for the receiver."""
    common = {
        "source": "test",
        "occurred_at": at.isoformat(),
        "amount": amount,
        "currency": "GBP",
        "channel": "transfer",
        "counterparty_name": "",
        "counterparty_country": "",
    }
    return [
        {
            **common,
            "source_id": f"t{n}-out",
            "customer_id": sender.pk,
            "direction": "out",
            "account_id": f"acc-{sender.pk}",
            "counterparty_account": f"acc-{receiver.pk}",
        },
        {
            **common,
            "source_id": f"t{n}-in",
            "customer_id": receiver.pk,
            "direction": "in",
            "account_id": f"acc-{receiver.pk}",
            "counterparty_account": f"acc-{sender.pk}",
        },
    ]


def ring(customers, amounts, gap_days: float = 3) -> list[dict]:
    rows = []
    for i, (sender, amount) in enumerate(zip(customers, amounts, strict=True)):
        rows += transfer(i, sender, customers[(i + 1) % len(customers)], T0 + days(gap_days * i), amount)
    return rows


def _cycle_alerts() -> dict[int, tuple]:
    """Customer -> (the ring's transfers as source ids, score)."""
    source_ids = dict(MonitoredTransaction.objects.values_list("pk", "source_id"))
    return {
        a.customer_id: (sorted(source_ids[i] for i in a.transaction_ids), a.score)
        for a in Alert.objects.filter(rule_code="cycle")
    }


def _batch(rows: list[dict]) -> None:
    transactions_upsert(events=rows)
    aml_scan_run(start=T0 - days(10), end=T0 + days(100))


def test_a_cycle_across_four_customers_alerts_each_of_them():
    # given: money leaves A and comes back through B, C and D within two weeks, a little less each hop
    members = [CustomerFactory() for _ in range(4)]
    # when
    _batch(ring(members, [100_000, 98_000, 96_500, 95_000]))
    # then: every member is alerted with the whole ring as evidence
    alerts = _cycle_alerts()
    assert set(alerts) == {m.pk for m in members}
    assert all(len(ids) == 4 for ids, _ in alerts.values())


def test_a_chain_that_does_not_return_is_not_a_cycle():
    members = [CustomerFactory() for _ in range(4)]
    rows = ring(members, [100_000, 98_000, 96_500, 95_000])
    _batch(rows[:6])  # the last hop, back to A, never happens
    assert _cycle_alerts() == {}


def test_amounts_that_differ_too_much_are_not_the_same_money():
    members = [CustomerFactory() for _ in range(3)]
    _batch(ring(members, [100_000, 60_000, 30_000]))
    assert _cycle_alerts() == {}


def test_the_stream_finds_the_ring_when_it_closes_in_any_arrival_order():
    members = [CustomerFactory() for _ in range(4)]
    rows = ring(members, [100_000, 98_000, 96_500, 95_000])
    _batch(rows)
    batch = _cycle_alerts()
    Alert.objects.all().delete()
    MonitoredTransaction.objects.all().delete()
    shuffled = rows[:]
    random.Random(19).shuffle(shuffled)
    for row in shuffled:
        events_evaluate(events=[row])
    assert _cycle_alerts() == batch


def test_a_ring_slower_than_the_window_is_not_alerted():
    members = [CustomerFactory() for _ in range(3)]
    _batch(ring(members, [100_000, 99_000, 98_000], gap_days=40))  # 80 days round: beyond 60
    assert _cycle_alerts() == {}


def test_money_sent_straight_back_is_a_two_hop_cycle():
    a, b = CustomerFactory(), CustomerFactory()
    rows = transfer(1, b, a, T0, 100_000) + transfer(2, a, b, T0 + hours(24), 100_000)
    transactions_upsert(events=rows)
    aml_scan_run(start=T0 - days(1), end=T0 + days(2))
    assert set(_cycle_alerts()) == {a.pk, b.pk}


def test_hops_out_of_time_order_are_not_a_ring():
    members = [CustomerFactory() for _ in range(3)]
    rows = ring(members, [100_000, 99_000, 98_000])
    # the middle hop (B->C) happens before A paid B: the money C sends on cannot be A's
    late = [{**r, "occurred_at": (T0 - days(5)).isoformat()} for r in rows[2:4]]
    _batch(rows[:2] + late + rows[4:])
    assert _cycle_alerts() == {}
