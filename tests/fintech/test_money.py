from decimal import Decimal

import pytest

from fintech.money import Money, MoneyError, format_money, to_major_units, to_minor_units


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [("12.50", "USD", 1250), ("0.01", "EUR", 1), ("1000", "JPY", 1000), ("1.234", "KWD", 1234), ("-3.10", "gbp", -310)],
)
def test_decimal_strings_convert_exactly_by_currency_exponent(amount, currency, minor):
    assert to_minor_units(amount, currency) == minor
    assert to_major_units(minor, currency) == Decimal(amount)


@pytest.mark.parametrize("amount", [12.5, "1.005", "abc", "NaN", "Infinity"])
def test_floats_and_inexact_amounts_are_refused(amount):
    with pytest.raises(MoneyError):
        to_minor_units(amount, "USD")


def test_yen_has_no_minor_units():
    with pytest.raises(MoneyError):
        to_minor_units("10.5", "JPY")


def test_unknown_currency_is_refused():
    with pytest.raises(MoneyError):
        Money(100, "XYZ")


def test_money_arithmetic_keeps_currency_and_refuses_mixing():
    assert Money(150, "usd") + Money(50, "USD") == Money(200, "USD")
    with pytest.raises(MoneyError):
        Money(1, "USD") + Money(1, "EUR")
    with pytest.raises(MoneyError):
        Money(1.5, "USD")  # type: ignore[arg-type]


def test_format_is_for_people():
    assert format_money(123450, "USD") == "1,234.50 USD"
    assert format_money(5, "JPY") == "5 JPY"
