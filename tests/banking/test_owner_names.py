"""Owner names compared part by part: the outcomes the transfer check acts on."""

from __future__ import annotations

import pytest

from banking.services.owner_names import NameMatch, owner_name_match

MATCH, REVIEW, MISMATCH = NameMatch.MATCH, NameMatch.REVIEW, NameMatch.MISMATCH


@pytest.mark.parametrize(
    "legal_name, owner, outcome",
    [
        ("Robert Okafor", "Robert Okafor", MATCH),
        ("Robert Okafor", "OKAFOR, ROBERT", MATCH),
        ("Robert Okafor", "Robert A Okafor", MATCH),  # a middle name on one side only
        ("José Núñez", "JOSE NUNEZ", MATCH),  # transliterated
        ("Alberta Bobbeth Charleson", "Alberta B. Charleson", MATCH),
        ("Robert Okafor", "Roberta Okafor", MISMATCH),  # the pen-test's case
        ("Robert Okafor", "Robert Okafar", MISMATCH),
        ("Robert Okafor", "Bobby Okafor", MISMATCH),
        ("Robert Okafor", "Completely Different Person", MISMATCH),
        ("Robert Okafor", "R. Okafor", REVIEW),  # an initial
        ("Robert Okafor", "Rob Okafor", REVIEW),  # a short form
        ("Robert Okafor", "Okafor Robert", REVIEW),  # parts in the other order
        ("Robert James Okafor", "Robert John Okafor", REVIEW),  # middle names conflict
        ("Robert Okafor", "Robert Okafor-Smith", REVIEW),  # family name overlaps in part
        ("Robert Okafor", "Okafor", REVIEW),  # a single name
    ],
)
def test_owner_name_outcomes(legal_name, owner, outcome):
    assert owner_name_match(legal_name=legal_name, owner_names=[owner]).outcome == outcome


def test_the_best_owner_of_a_joint_account_counts():
    result = owner_name_match(legal_name="Robert Okafor", owner_names=["Roberta Okafor", "Robert Okafor"])
    assert (result.outcome, result.owner) == (MATCH, "Robert Okafor")


@pytest.mark.parametrize(
    "owner, outcome", [("Acme Trading LLC", MATCH), ("LLC Acme Trading", REVIEW), ("Acme Holdings LLC", MISMATCH)]
)
def test_an_organisation_is_compared_as_a_whole(owner, outcome):
    assert owner_name_match(legal_name="ACME Trading LLC", owner_names=[owner], organisation=True).outcome == outcome
