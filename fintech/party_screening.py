"""The port through which the apps that move money screen a party (a customer, a linked
bank account's owners) against the sanctions lists, and ask whether its money must stop.

The core defines what screening offers; compliance implements it. The implementation is
the module named by `settings.PARTY_SCREENING` (a dotted module path, like Django's
SESSION_ENGINE), imported when a screening is asked for, so payments and banking import
no compliance module and the layering holds (pyproject.toml: compliance sits above them).

A setting rather than a registration in compliance's `AppConfig.ready()`: the choice is
written once, in the project's settings, where the layers are composed; it does not
depend on which app's `ready()` ran first; and `fintech.E007` (fintech/checks.py) proves
before deployment (`check`, `migrate`) that it imports and offers both functions,
instead of the first transfer finding an empty registry. Screening is a control: the
core has no default that screens nothing.
"""

from __future__ import annotations

import datetime
from importlib import import_module
from types import ModuleType
from typing import Protocol


class ScreeningOutcome(Protocol):
    @property
    def is_hit(self) -> bool: ...


class PartyScreening(Protocol):
    """What the implementing module offers (a module satisfies a Protocol by its functions)."""

    def screen_party(
        self,
        *,
        name: str,
        date_of_birth: datetime.date | None = None,
        country: str | None = None,
        entity_type: str | None = None,
        party=None,
    ) -> ScreeningOutcome: ...

    def party_is_blocked(self, party) -> bool: ...


def party_screening_implementation() -> PartyScreening | ModuleType:
    """The module `settings.PARTY_SCREENING` names, read at call time (override_settings reaches it)."""
    from django.conf import settings

    return import_module(settings.PARTY_SCREENING)


def screen_party(
    *,
    name: str,
    date_of_birth: datetime.date | None = None,
    country: str | None = None,
    entity_type: str | None = None,
    party=None,
) -> ScreeningOutcome:
    """Screen one name; with `party` (a model instance), new matches are recorded against it
    as pending hits for analysts, which block the party's outgoing money until cleared."""
    return party_screening_implementation().screen_party(
        name=name, date_of_birth=date_of_birth, country=country, entity_type=entity_type, party=party
    )


def party_is_blocked(party) -> bool:
    """True while the party has a screening hit pending review or confirmed."""
    return party_screening_implementation().party_is_blocked(party)
