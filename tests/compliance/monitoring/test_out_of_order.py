"""A late event is evaluated as of its time and re-opens the windows it joins."""

from __future__ import annotations

import pytest

from compliance.monitoring.models import Alert, MonitoredTransaction
from compliance.monitoring.services.evaluation import events_evaluate
from tests.compliance.monitoring.helpers import T0, hours
from tests.compliance.monitoring.helpers import event as tx
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _decided(events: list[dict]) -> set[tuple]:
    for e in events:
        events_evaluate(events=[e])
    source_ids = dict(MonitoredTransaction.objects.values_list("pk", "source_id"))
    return {
        (
            a.rule_code,
            a.window_start,
            a.window_end,
            tuple(sorted(source_ids[i] for i in a.transaction_ids)),
            a.dedupe_key,
        )
        for a in Alert.objects.all()
    }


def test_structuring_delivered_in_reverse_raises_the_same_alert_once():
    customer = CustomerFactory()
    deposits = [tx(customer, T0 + hours(10 * i), 951_234, source_id=f"dep-{i}", currency="USD") for i in range(3)]
    in_order = _decided(deposits)
    assert [r[0] for r in in_order] == ["structuring"]
    Alert.objects.all().delete()
    MonitoredTransaction.objects.all().delete()
    reverse = _decided(list(reversed(deposits)))
    assert reverse == in_order
    # delivered again, in any order: nothing new
    _decided(deposits + list(reversed(deposits)))
    assert Alert.objects.count() == 1


def test_a_late_event_is_judged_on_the_history_before_it_only():
    # a late small deposit between two large ones is not a reactivation, nor does it see the future
    customer = CustomerFactory()
    events = [
        tx(customer, T0, 12_345, source_id="a"),
        tx(customer, T0 + hours(24 * 200), 300_001, "out", source_id="c"),
    ]
    _decided(events)
    assert list(Alert.objects.values_list("rule_code", flat=True)) == ["dormant_reactivation"]
    _decided([tx(customer, T0 + hours(24 * 100), 5_000, source_id="b")])
    assert Alert.objects.count() == 1
