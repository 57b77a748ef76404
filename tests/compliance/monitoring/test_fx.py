"""Thresholds are in the base currency: other currencies are converted at the reference rates."""

from __future__ import annotations

import pytest

from tests.compliance.monitoring.helpers import T0, hours, run
from tests.compliance.monitoring.helpers import event as tx
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _usd_base(settings):
    settings.COMPLIANCE_FX_BASE = "USD"
    settings.COMPLIANCE_FX_RATES = {"EUR": "1.08", "JPY": "0.0067"}


def _in(customer, at, amount: int, currency: str) -> dict:
    return {**tx(customer, at, amount), "currency": currency}


@pytest.mark.parametrize("mode", ["stream", "batch"])
def test_eur_and_jpy_against_a_usd_threshold(mode):
    # large_transaction: 1,000,000 minor units of USD = 10,000.00 USD
    over_eur, under_eur = CustomerFactory(), CustomerFactory()
    over_jpy, under_jpy = CustomerFactory(), CustomerFactory()
    alerts = run(
        [
            _in(over_eur, T0, 950_000, "EUR"),  # 9,500.00 EUR = 10,260 USD
            _in(under_eur, T0, 900_000, "EUR"),  # 9,000.00 EUR = 9,720 USD
            _in(over_jpy, T0 + hours(1), 1_600_000, "JPY"),  # 1,600,000 JPY (no minor unit) = 10,720 USD
            _in(under_jpy, T0 + hours(1), 1_400_000, "JPY"),  # = 9,380 USD; unconverted it would alert
        ],
        mode,
    )
    assert {(a.rule_code, a.customer_id) for a in alerts} == {
        ("large_transaction", over_eur.pk),
        ("large_transaction", over_jpy.pk),
    }


@pytest.mark.parametrize("mode", ["stream", "batch"])
def test_round_amounts_are_round_in_their_own_currency(mode):
    # 3 x 2,000.00 EUR is round in EUR although 2,160.00 USD is not round in USD
    customer = CustomerFactory()
    alerts = run([_in(customer, T0 + hours(24 * i), 200_000, "EUR") for i in range(3)], mode)
    assert [a.rule_code for a in alerts] == ["round_amounts"]
