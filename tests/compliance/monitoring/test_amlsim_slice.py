"""The monitoring evaluation on a slice of IBM AMLSim (the first 20 days of the fan-in set): the
conversion, the import and the batch scan at default settings, end to end (`make eval` runs it all)."""

from __future__ import annotations

import pytest

from bench.eval.monitoring import DATA, amlsim_rows, evaluate_amlsim

pytestmark = pytest.mark.django_db


def test_each_transfer_is_an_out_row_for_the_sender_and_an_in_row_for_the_receiver():
    rows, customers, fraud = amlsim_rows(DATA / "20K_fanin200.tgz", limit_steps=1)
    out, into = rows[0], rows[1]
    assert (out[4], into[4]) == ("out", "in")
    assert (out[2], out[9]) == (into[9], into[2])  # each names the other as counterparty
    assert out[5] == into[5] and out[1] == into[1]
    assert len(customers) == 20_000 and 900 < len(fraud) < 1000


def test_a_slice_is_found_without_false_alarms_from_split_transfers():
    result = evaluate_amlsim(DATA / "20K_fanin200.tgz", limit_steps=20)
    split = result["by_rule"]["split_transfers"]
    assert split["customers"] >= 5 and split["precision"] == 1.0
