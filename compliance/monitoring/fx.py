"""Reference FX rates for monitoring: amounts of any currency compared in one base currency.

Rule thresholds (`threshold`, `min_amount`, `min_in_amount`, ...) are minor units of the
base currency `COMPLIANCE_FX_BASE`. Each transaction's amount is converted with
`COMPLIANCE_FX_RATES` (major units of the base currency per major unit of the currency;
minor-unit exponents from `fintech.money`) before any rule sees it, in both modes. These
are reference rates for screening money movements, not dealing rates: set them in the
settings or the environment (`COMPLIANCE_FX_RATES=EUR=0.85,USD=0.79`). A currency
without a rate is compared unconverted (as if it were the base currency), and logged.
"""

from __future__ import annotations

import logging
from decimal import Decimal

import numpy as np

from compliance import conf
from fintech.money import CURRENCY_EXPONENTS, normalise_currency

logger = logging.getLogger(__name__)
_warned: set[str] = set()


def base_currency() -> str:
    return normalise_currency(conf.fx_base())


def rates() -> dict[str, Decimal]:
    """Major units of the base currency per major unit of each currency (the base itself is 1)."""
    result = {normalise_currency(code): Decimal(str(rate)) for code, rate in conf.fx_rates().items()}
    result[base_currency()] = Decimal(1)
    return result


def minor_factor(currency: str, base: str, table: dict[str, Decimal]) -> float:
    """Multiply minor units of `currency` by this to get minor units of `base`."""
    rate = table.get(currency)
    if rate is None:
        if currency not in _warned:
            _warned.add(currency)
            logger.warning("no reference FX rate for %s: compared unconverted against %s thresholds", currency, base)
        return 1.0
    shift = CURRENCY_EXPONENTS.get(base, 2) - CURRENCY_EXPONENTS.get(currency, 2)
    return float(rate.scaleb(shift))


def to_base_minor(amounts: np.ndarray, currencies: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(amounts in base minor units (int64, rounded half to even), exponent shift per row:
    the currency's minor-unit exponent minus the base's)."""
    base, table = base_currency(), rates()
    codes, index = np.unique(currencies.astype(str), return_inverse=True)
    factors = np.array([minor_factor(c, base, table) if c else 1.0 for c in codes], dtype=np.float64)
    shifts = np.array(
        [CURRENCY_EXPONENTS.get(c, 2) - CURRENCY_EXPONENTS.get(base, 2) if c else 0 for c in codes], dtype=np.int64
    )
    converted = np.rint(amounts.astype(np.float64) * factors[index]).astype(np.int64)
    return converted, shifts[index]
