"""Parsing of the OFAC legacy CSV files and of the generic CSV."""

import pytest

from compliance.lists.importers import ListFormatError, generic, ofac
from tests.compliance.conftest import SUBSET_DIR


def test_the_full_sdn_files_parse_to_every_entry_and_alias(full_sdn_entries):
    by_type = {}
    for entry in full_sdn_entries:
        by_type[entry.entity_type] = by_type.get(entry.entity_type, 0) + 1
    assert len(full_sdn_entries) == 8976
    assert sum(len(entry.aliases) for entry in full_sdn_entries) == 11910
    assert by_type == {"individual": 4620, "organisation": 3673, "vessel": 406, "aircraft": 277}


def test_remarks_give_dates_of_birth_nationality_and_identifiers():
    entries = {entry.uid: entry for entry in ofac.parse_directory(SUBSET_DIR)[0]}
    adnan = entries["24901"]
    assert adnan.primary_name == "AL-ALI, Adnan"
    assert adnan.entity_type == "individual"
    assert adnan.dates_of_birth == ["1968-06-17"]
    assert "SY" in adnan.countries
    assert {"type": "Passport", "value": "6066827", "country": "SY"} in adnan.identifiers
    assert adnan.aliases == ["AL ALI, Adnan", "AL-'ALI, 'Adnan"]
    assert entries["10609"].dates_of_birth == ["1959/1961"]  # "DOB circa 1960"
    assert entries["7844"].dates_of_birth == ["1965", "1966"]  # "DOB 1965; alt. DOB 1966"
    bank = entries["25685"]
    assert bank.entity_type == "organisation"
    assert bank.programs == ["IRAN", "NPWMD", "IFSR"]
    assert {"type": "SWIFT/BIC", "value": "BOIMIRTH"} in bank.identifiers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01 Jan 1964", "1964-01-01"),
        ("Jan 1964", "1964-01"),
        ("1964", "1964"),
        ("circa 1960", "1959/1961"),
        ("1955 to 1958", "1955/1958"),
        ("unknown", ""),
    ],
)
def test_dates_of_birth_in_ofac_spelling(text, expected):
    assert ofac.parse_date_of_birth(text) == expected


def test_the_content_hash_changes_with_the_entry_and_not_with_alias_order():
    entry = ofac.parse_directory(SUBSET_DIR)[0][0]
    before = entry.content_hash()
    entry.aliases.reverse()
    assert entry.content_hash() == before
    entry.aliases.append("NEW ALIAS")
    assert entry.content_hash() != before


def test_a_missing_ofac_file_is_a_format_error(tmp_path):
    (tmp_path / "sdn.csv").write_bytes((SUBSET_DIR / "sdn.csv").read_bytes())
    with pytest.raises(ListFormatError, match="alt.csv is missing"):
        ofac.parse_directory(tmp_path)


def test_a_wrong_column_count_is_a_format_error(tmp_path):
    for name in ("sdn.csv", "alt.csv", "add.csv"):
        (tmp_path / name).write_bytes((SUBSET_DIR / name).read_bytes())
    (tmp_path / "alt.csv").write_bytes(b'1,2,"aka"\r\n\x1a')
    with pytest.raises(ListFormatError, match="alt.csv line 1: expected 5 columns"):
        ofac.parse_directory(tmp_path)


def test_the_generic_csv(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(
        "uid,name,entity_type,aliases,programs,dates_of_birth,countries,identifiers,remarks\n"
        "X1,Ivan Petrov,individual,Ivan Petroff;I. Petrov,RUSSIA,1970-05-01;1971,Russia;UA,Passport:123,note\n"
        "X2,Acme Trading LLC,,,,,,,\n",
        encoding="utf-8",
    )
    entries, checksum = generic.parse_file(path)
    assert len(checksum) == 64
    ivan, acme = entries
    assert (ivan.uid, ivan.entity_type, ivan.aliases) == ("X1", "individual", ["Ivan Petroff", "I. Petrov"])
    assert ivan.dates_of_birth == ["1970-05-01", "1971"]
    assert ivan.countries == ["RU", "UA"]
    assert ivan.identifiers == [{"type": "Passport", "value": "123"}]
    assert acme.entity_type == "organisation"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name\nSomeone\n", "missing column"),
        ("uid,name\n1,\n", "line 2: uid and name are required"),
        ("uid,name\n1,A\n1,B\n", "line 3: duplicate uid"),
        ("uid,name,entity_type\n1,A,robot\n", "unknown entity_type"),
        ("uid,name,dates_of_birth\n1,A,01/02/1970\n", "unreadable date"),
    ],
)
def test_bad_generic_csv_is_refused(tmp_path, content, message):
    path = tmp_path / "list.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ListFormatError, match=message):
        generic.parse_file(path)
