"""Refusing card data: our server takes tokens and nonces only, never a card number or CVV.

A form that carries something card-like (a field named like a card number or
security code, or a value of 13-19 digits that passes the Luhn check) is refused
whole. Nothing of it is logged but the field names.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

logger = logging.getLogger(__name__)
CARD_FIELD_NAMES = re.compile(
    r"(card.?num|cc.?num|pan$|^number$|\[number\]|cvv|cvc|security.?code|exp(iry|iration))", re.IGNORECASE
)
DIGITS = re.compile(r"^[\d \-]{13,23}$")


def _luhn(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def looks_like_card_number(value: str) -> bool:
    if not DIGITS.match(value.strip()):
        return False
    digits = re.sub(r"\D", "", value)
    return 13 <= len(digits) <= 19 and _luhn(digits)


def card_data_fields(form: Mapping[str, list[str]] | object) -> list[str]:
    """Names of the fields in `form` (a QueryDict) that carry card data."""
    found = []
    for name in form.keys():  # type: ignore[attr-defined]
        values = form.getlist(name)  # type: ignore[attr-defined]
        if CARD_FIELD_NAMES.search(name) or any(looks_like_card_number(v) for v in values):
            found.append(name)
    if found:
        logger.warning("refused a form carrying card data in fields %s", sorted(found))
    return found
