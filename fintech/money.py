"""Money: an integer number of minor units and an ISO 4217 currency code.

Never a float. Amounts arrive as decimal strings at the edges (CSV files, forms, API
bodies) and are converted exactly with `to_minor_units`; they are formatted for people
only at the edge, with `format_money`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# Active ISO 4217 codes with their minor-unit exponent (SIX, ISO 4217 list one).
_EXPONENT_0 = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_EXPONENT_3 = "BHD IQD JOD KWD LYD OMR TND"
_EXPONENT_4 = "CLF UYW"
_EXPONENT_2 = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN "
    "BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB "
    "EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS "
    "KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN "
    "MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD "
    "SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS "
    "UAH USD USN UYU UZS VED VES WST XCD YER ZAR ZMW ZWG"
)
CURRENCY_EXPONENTS: dict[str, int] = {
    **{code: 0 for code in _EXPONENT_0.split()},
    **{code: 2 for code in _EXPONENT_2.split()},
    **{code: 3 for code in _EXPONENT_3.split()},
    **{code: 4 for code in _EXPONENT_4.split()},
}
CURRENCY_CHOICES = [(code, code) for code in sorted(CURRENCY_EXPONENTS)]

# The largest single amount (a payment, a refund, a transfer) any entry point accepts,
# in major units of the currencies the business operates in: one million, far above any
# retail payment or transfer the product carries, so it refuses no real business, and
# an amount beyond it is an error or an attack, never a customer. Business limits that
# are tighter (a transfer's per-day limit) apply on top, in the services.
BUSINESS_MAXIMUM_MAJOR: dict[str, int] = {"EUR": 1_000_000, "GBP": 1_000_000, "USD": 1_000_000}
# Any other ISO currency: 10^12 minor units (ten billion in a two-decimal currency).
# A million such amounts still sum inside PostgreSQL's bigint (9.2 x 10^18), so no
# amount that passes can overflow a column, a balance or a report total.
AMOUNT_CEILING = 10**12


class MoneyError(ValueError):
    """An amount or currency that cannot be represented exactly."""


def normalise_currency(code: str) -> str:
    upper = (code or "").strip().upper()
    if upper not in CURRENCY_EXPONENTS:
        raise MoneyError(f"unknown ISO 4217 currency {code!r}")
    return upper


def minor_unit_exponent(currency: str) -> int:
    return CURRENCY_EXPONENTS[normalise_currency(currency)]


def to_minor_units(amount: str | Decimal | int, currency: str) -> int:
    """Convert a major-unit decimal ("12.50") to minor units (1250), exactly.

    Refuses floats, and amounts with more decimals than the currency has.
    """
    if isinstance(amount, float):
        raise MoneyError("floats are not accepted for money")
    try:
        value = Decimal(str(amount).strip())
    except InvalidOperation as exc:
        raise MoneyError(f"{amount!r} is not a decimal amount") from exc
    if not value.is_finite():
        raise MoneyError(f"{amount!r} is not a finite amount")
    exponent = minor_unit_exponent(currency)
    scaled = value.scaleb(exponent)
    if scaled != scaled.to_integral_value():
        raise MoneyError(f"{amount} has more decimals than {currency} allows ({exponent})")
    return int(scaled)


def amount_maximum(currency: str) -> int:
    """The largest amount accepted in `currency`, in minor units (see BUSINESS_MAXIMUM_MAJOR)."""
    code = normalise_currency(currency)
    if code in BUSINESS_MAXIMUM_MAJOR:
        return BUSINESS_MAXIMUM_MAJOR[code] * 10 ** CURRENCY_EXPONENTS[code]
    return AMOUNT_CEILING


def amount_check_maximum(amount: int, currency: str) -> int:
    """`amount` (minor units) if it is within the currency's maximum; MoneyError otherwise."""
    maximum = amount_maximum(currency)
    if amount > maximum:
        raise MoneyError(f"the largest amount accepted is {format_money(maximum, currency)}")
    return amount


def to_major_units(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-minor_unit_exponent(currency))


def format_money(minor: int, currency: str) -> str:
    """Human form for pages and reports: '1,234.50 USD'."""
    exponent = minor_unit_exponent(currency)
    return f"{to_major_units(minor, currency):,.{exponent}f} {normalise_currency(currency)}"


@dataclass(frozen=True, slots=True)
class Money:
    amount: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise MoneyError("Money.amount must be an int of minor units")
        object.__setattr__(self, "currency", normalise_currency(self.currency))

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def _same_currency(self, other: Money) -> None:
        if self.currency != other.currency:
            raise MoneyError(f"cannot combine {self.currency} with {other.currency}")

    def __str__(self) -> str:
        return format_money(self.amount, self.currency)
