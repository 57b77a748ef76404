"""`manage.py screen_names FILE.csv`: one JSON line per row, bad rows on stderr."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from compliance.screening.models import ScreeningHit

pytestmark = pytest.mark.django_db


def test_one_json_line_per_row_and_bad_rows_reported(sdn_subset, tmp_path):
    path = tmp_path / "names.csv"
    path.write_text(
        "name,date_of_birth,country,entity_type\n"
        "Chapo Guzman,,MX,individual\n"
        "John Smith,1980-02-03,GB,\n"
        ",,,\n"
        "Adnan Al-Ali,17/06/1968,,\n"
        "National Bank of Cuba,,,organisation\n",
        encoding="utf-8",
    )
    out, err = StringIO(), StringIO()
    call_command("screen_names", str(path), stdout=out, stderr=err)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["decision"] for line in lines] == ["hit", "clear", "hit"]
    first = lines[0]
    assert first["input"] == {
        "name": "Chapo Guzman",
        "date_of_birth": None,
        "country": "MX",
        "entity_type": "individual",
    }
    assert set(first["matches"][0]) == {"list", "programs", "entry_id", "matched_name", "score"}
    assert first["matches"][0]["entry_id"] == "6861"
    assert lines[1]["input"]["date_of_birth"] == "1980-02-03" and lines[1]["matches"] == []
    assert lines[2]["matches"][0]["entry_id"] == "306"
    errors = err.getvalue()
    assert "line 4: name is empty" in errors
    assert "line 5: date_of_birth '17/06/1968' is not YYYY-MM-DD" in errors
    assert not ScreeningHit.objects.exists()


def test_a_file_without_a_name_column_is_refused(tmp_path):
    path = tmp_path / "names.csv"
    path.write_text("full_name\nX\n", encoding="utf-8")
    with pytest.raises(CommandError, match="no 'name' column"):
        call_command("screen_names", str(path))


def test_the_us_spelling_of_organisation_is_accepted(sdn_subset, tmp_path):
    path = tmp_path / "names.csv"
    path.write_text("name,entity_type\nNational Bank of Cuba,organization\nChapo Guzman,Person\n", encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("screen_names", str(path), stdout=out, stderr=err)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["input"]["entity_type"] for line in lines] == ["organisation", "individual"]
    assert [line["decision"] for line in lines] == ["hit", "hit"]
    assert lines[0]["matches"][0]["programs"] == ["CUBA"]
    assert err.getvalue() == ""
