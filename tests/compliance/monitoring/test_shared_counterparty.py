"""Many customers paying the same account within days (a mule ring's collection account) (#19)."""

from __future__ import annotations

import random

import pytest

from compliance.monitoring.models import Alert, MonitoredTransaction, Rule
from compliance.monitoring.services.evaluation import events_evaluate
from tests.compliance.monitoring.helpers import T0, days, event, hours, run
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

RING_ACCOUNT = "GB00MULE0000000001"


@pytest.fixture
def switched_on():
    """The rule ships switched off; these tests are about what it decides when an officer enables it."""
    Rule.objects.filter(code="shared_counterparty", is_current=True).update(enabled=True)


def payments_to(account: str, members: int, *, spacing, channel: str = "transfer", direction: str = "out"):
    people = [CustomerFactory() for _ in range(members)]
    events = [
        event(p, T0 + spacing * i, 45_000 + 1_000 * i, direction, account=account, channel=channel)
        for i, p in enumerate(people)
    ]
    return people, events


def _shared_alerts() -> dict[int, list[str]]:
    source_ids = dict(MonitoredTransaction.objects.values_list("pk", "source_id"))
    return {
        a.customer_id: sorted(source_ids[i] for i in a.transaction_ids)
        for a in Alert.objects.filter(rule_code="shared_counterparty")
    }


@pytest.mark.parametrize("mode", ["batch", "stream"])
def test_four_customers_paying_one_account_within_a_week_are_each_alerted_with_the_others(switched_on, mode):
    # given: four customers each send money to the same (non-merchant) account over four days
    people, events = payments_to(RING_ACCOUNT, 4, spacing=days(1))
    # when
    run(events, mode)
    # then: each member is alerted, with all four transfers to that account as evidence
    alerts = _shared_alerts()
    assert set(alerts) == {p.pk for p in people}
    assert all(ids == sorted(e["source_id"] for e in events) for ids in alerts.values())


@pytest.mark.parametrize("mode", ["batch", "stream"])
def test_three_customers_are_not_a_ring(switched_on, mode):
    _, events = payments_to(RING_ACCOUNT, 3, spacing=hours(5))
    run(events, mode)
    assert _shared_alerts() == {}


@pytest.mark.parametrize("mode", ["batch", "stream"])
def test_customers_spread_over_more_than_the_window_are_not_a_ring(switched_on, mode):
    # four customers, but never four within seven days of each other
    _, events = payments_to(RING_ACCOUNT, 4, spacing=days(3))
    run(events, mode)
    assert _shared_alerts() == {}


@pytest.mark.parametrize("channel", ["card", "direct_debit"])
def test_a_shop_or_a_biller_many_customers_pay_is_not_a_ring(switched_on, channel):
    _, events = payments_to("MERCHANT-42", 8, spacing=hours(3), channel=channel)
    run(events, "batch")
    assert _shared_alerts() == {}


def test_customers_paid_by_one_account_are_not_a_ring_by_default_like_a_payroll(switched_on):
    _, events = payments_to("GB00EMPLOYER000001", 6, spacing=hours(6), direction="in")
    run(events, "batch")
    assert _shared_alerts() == {}


@pytest.mark.parametrize("mode", ["batch", "stream"])
def test_customers_paid_by_one_account_form_a_ring_when_the_officer_asks(mode):
    rule = Rule.objects.get(code="shared_counterparty", is_current=True)
    Rule.objects.filter(pk=rule.pk).update(enabled=True, params={**rule.params, "directions": ["in", "out"]})
    people, events = payments_to(RING_ACCOUNT, 5, spacing=hours(6), direction="in")
    run(events, mode)
    assert set(_shared_alerts()) == {p.pk for p in people}


def test_shuffled_arrival_gives_the_same_alerts_as_the_batch(switched_on):
    # given: the ring's transfers, with an unrelated account's, arriving in random order one by one
    people, events = payments_to(RING_ACCOUNT, 5, spacing=hours(20))
    _, others = payments_to("GB00FRIEND00000002", 2, spacing=hours(1))
    shuffled = events + others
    random.Random(7).shuffle(shuffled)
    for e in shuffled:
        events_evaluate(events=[e])
    # then: one episode per member, grown to every ring transfer whatever the order
    alerts = _shared_alerts()
    assert set(alerts) == {p.pk for p in people}
    assert all(ids == sorted(e["source_id"] for e in events) for ids in alerts.values())
    assert Alert.objects.filter(rule_code="shared_counterparty").count() == 5


def test_the_rule_ships_switched_off():
    rule = Rule.objects.get(code="shared_counterparty", is_current=True)
    assert rule.enabled is False
    _, events = payments_to(RING_ACCOUNT, 6, spacing=hours(2))
    run(events, "batch")
    assert _shared_alerts() == {}
