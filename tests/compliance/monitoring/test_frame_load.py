"""Loading transactions into a frame keeps their times to the microsecond, in both shapes
of the load (a period, and some customers' history)."""

from __future__ import annotations

import datetime

import pytest

from compliance.monitoring.scan import load_frame
from compliance.monitoring.services.evaluation import transactions_upsert
from tests.compliance.monitoring.helpers import T0, event
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

LAST_MICROSECOND = T0 + datetime.timedelta(seconds=59, microseconds=999_999)
FIRST_MICROSECOND = T0 + datetime.timedelta(seconds=59, microseconds=1)


@pytest.mark.parametrize("some_customers", [False, True], ids=["period", "customers"])
def test_times_round_trip_to_the_microsecond_and_order_rows_within_a_second(some_customers):
    # given: the later time of a second stored first, so that id order and time order differ
    customer = CustomerFactory()
    later, earlier = transactions_upsert(events=[event(customer, LAST_MICROSECOND, 100)]) + transactions_upsert(
        events=[event(customer, FIRST_MICROSECOND, 200)]
    )
    # when
    frame = load_frame(
        start=T0,
        end=T0 + datetime.timedelta(minutes=1),
        lookback=0,
        customer_ids=[customer.pk] if some_customers else None,
    )
    # then: both in the second they happened (not rounded into the next), in time order
    assert frame.id.tolist() == [earlier, later]
    assert frame.ts.tolist() == [int(T0.timestamp()) + 59] * 2
    assert frame.native.tolist() == [200, 100]
