"""Rules that know the customer's history, the channel and the currency of their jurisdiction (#19)."""

from __future__ import annotations

import pytest

from compliance.monitoring.models import Alert
from fintech.models import Customer
from tests.compliance.monitoring.helpers import T0, days, event, hours, run
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
MODES = ["stream", "batch"]


def _codes(alerts: list[Alert]) -> list[str]:
    return sorted({a.rule_code for a in alerts})


@pytest.mark.parametrize("mode", MODES)
def test_card_purchases_at_many_shops_are_not_fan_out(mode):
    # given: a customer with history who shops at twelve different merchants in a week, by card
    customer = CustomerFactory()
    history = [event(customer, T0 - days(60), 5_000, "out", account="grocer", channel="card")]
    shops = [event(customer, T0 + hours(12 * i), 2_500, "out", account=f"shop-{i}", channel="card") for i in range(12)]
    # then: purchases are not payments to people
    assert "fan_out" not in _codes(run(history + shops, mode))


@pytest.mark.parametrize("mode", MODES)
def test_transfers_to_many_new_people_are_fan_out(mode):
    customer = CustomerFactory()
    history = [event(customer, T0 - days(60), 5_000, "out", account="landlord")]
    transfers = [event(customer, T0 + hours(12 * i), 2_500, "out", account=f"person-{i}") for i in range(12)]
    assert "fan_out" in _codes(run(history + transfers, mode))


@pytest.mark.parametrize("mode", MODES)
def test_the_first_days_of_a_file_are_not_news(mode):
    # given: the customer's history starts with the data: every counterparty of the first days is "new"
    customer = CustomerFactory()
    first_days = [event(customer, T0 + hours(4 * i), 2_500, "out", account=f"payee-{i}") for i in range(12)]
    # then: no fan-out is judged before the customer has the history the rule needs
    assert "fan_out" not in _codes(run(first_days, mode))


def test_a_counterparty_paid_before_the_window_is_not_new():
    # given: twelve payees each paid once in the last 90 days, a week or so apart (never a fan-out)
    customer = CustomerFactory()
    before = [event(customer, T0 - days(80) + days(6 * i), 2_500, "out", account=f"payee-{i}") for i in range(12)]
    again = [event(customer, T0 + hours(4 * i), 2_500, "out", account=f"payee-{i}") for i in range(12)]
    assert "fan_out" not in _codes(run(before + again, "batch"))


@pytest.mark.parametrize("mode", MODES)
def test_structuring_is_judged_in_the_currency_of_its_jurisdiction(mode):
    # given: the base currency is GBP, the structuring rule's threshold is USD 10,000. GBP 7,500
    # (about USD 9,500 at the reference rate) is just under it; in GBP terms it is far from GBP 10,000.
    customer = CustomerFactory()
    deposits = [event(customer, T0 + hours(10 * i), 750_000, currency="GBP") for i in range(3)]
    assert "structuring" in _codes(run(deposits, mode))


@pytest.mark.parametrize("mode", MODES)
def test_deposits_just_under_ten_thousand_pounds_are_not_us_structuring(mode):
    customer = CustomerFactory()  # GBP 9,500 is about USD 12,000: over the US threshold, not under it
    deposits = [event(customer, T0 + hours(10 * i), 950_000, currency="GBP") for i in range(3)]
    assert "structuring" not in _codes(run(deposits, mode))


@pytest.mark.parametrize("mode", MODES)
def test_dormant_reactivation_fires_after_a_small_test_payment(mode):
    # given: active, then quiet for 200 days, then a small test payment and, two days later, the money
    customer = CustomerFactory()
    history = [
        event(customer, T0, 12_345),
        event(customer, T0 + days(200), 500, "in"),
        event(customer, T0 + days(202), 450_000, "out"),
    ]
    alerts = [a for a in run(history, mode) if a.rule_code == "dormant_reactivation"]
    assert len(alerts) == 1 and alerts[0].window_end == T0 + days(202)


@pytest.mark.parametrize("mode", MODES)
def test_new_account_high_value_fires_for_a_customer_known_only_from_a_file(mode):
    # given: customer records created when the file was imported (after its transactions); one
    # customer is there from the data's first day, the other first appears six weeks later
    old_hand, newcomer = CustomerFactory(), CustomerFactory()
    history = [
        event(old_hand, T0, 12_345),
        event(old_hand, T0 + days(1), 700_000),
        event(newcomer, T0 + days(42), 700_000),
    ]
    alerts = [a for a in run(history, mode) if a.rule_code == "new_account_high_value"]
    # then: the newcomer's first weeks are an account's first weeks; the file's first day is not
    assert [a.customer_id for a in alerts] == [newcomer.pk]


@pytest.mark.parametrize("mode", MODES)
def test_new_account_high_value_fires_in_the_first_month_after_sign_up(mode):
    customer = CustomerFactory()
    Customer.objects.filter(pk=customer.pk).update(created_at=T0 - days(3))
    assert "new_account_high_value" in _codes(run([event(customer, T0, 612_345)], mode))
