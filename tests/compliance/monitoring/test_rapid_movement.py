"""rapid_movement is a pass-through of one inflow, not any busy two-way account."""

from __future__ import annotations

import pytest

from tests.compliance.monitoring.helpers import T0, hours, run
from tests.compliance.monitoring.helpers import event as tx
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("mode", ["stream", "batch"])
def test_unrelated_income_before_the_pass_through_does_not_hide_it(mode):
    # the bench's missed case: salary in, then 612,345 in and 590,001 out (96% of it) the next day
    c = CustomerFactory()
    history = [tx(c, T0, 178_145), tx(c, T0 + hours(17), 612_345), tx(c, T0 + hours(37), 590_001, "out")]
    assert [a.rule_code for a in run(history, mode)] == ["rapid_movement"]


@pytest.mark.parametrize("mode", ["stream", "batch"])
def test_balanced_two_way_traffic_is_not_a_pass_through(mode):
    # outflows that came before the inflows, and small ones after, are not money passing through
    c = CustomerFactory()
    history = [tx(c, T0 + hours(i), 150_000, "out") for i in range(4)]
    history += [tx(c, T0 + hours(10 + i), 190_000) for i in range(3)]
    history += [tx(c, T0 + hours(20), 60_000, "out")]
    assert run(history, mode) == []
