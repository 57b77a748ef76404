"""The screening port (fintech/party_screening.py): a PARTY_SCREENING that does not name its
implementation fails `check` (fintech.E007). Banking's transfers and item links screen
through the port (tests/banking/test_transfers.py: a hit refuses the transfer)."""

import pytest
from django.core.checks import run_checks


def _e007() -> list:
    return [error for error in run_checks() if error.id == "fintech.E007"]


def test_the_project_names_compliances_screening_and_the_check_is_clean():
    assert _e007() == []


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("compliance.no_such_module", "does not name an importable module"),
        ("fintech.money", "lacks screen_party, party_is_blocked"),
    ],
)
def test_a_name_that_does_not_implement_the_port_fails_the_check(settings, name, problem):
    settings.PARTY_SCREENING = name

    [error] = _e007()

    assert problem in error.msg
