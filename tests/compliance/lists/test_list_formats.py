"""The UN Security Council consolidated list (XML) and OpenSanctions' FtM entities (JSON lines) (#19)."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from compliance.lists.importers import ListFormatError, ftm, un
from compliance.lists.models import ListSnapshot, SanctionsEntry
from compliance.screening.services import screen_party
from fintech.models import AuditEvent

UN_FILE = Path(__file__).resolve().parents[2] / "data/un/UN_consolidated.xml"
FTM_FILE = Path(__file__).parents[1] / "data/ftm/entities.ftm.json"


def test_the_un_list_parses_every_individual_and_entity_with_its_details():
    entries = {entry.uid: entry for entry in un.parse_file(UN_FILE)[0]}
    assert len(entries) == 1003
    assert sum(entry.entity_type == "individual" for entry in entries.values()) == 730
    zidane = entries["QDi.001"]
    assert zidane.primary_name == "MOHAMMED SALAHALDIN ABD EL HALIM ZIDANE"
    assert "Seif al Adel" in zidane.aliases and "محمد صلاح الدين عبدالحليم زيدان" in zidane.aliases
    assert zidane.programs == ["Al-Qaida"] and zidane.countries == ["EG"]
    assert zidane.dates_of_birth == ["1963-04-11", "1960-04-11"]
    assert entries["CDi.001"].dates_of_birth == ["1971"]


def test_a_file_that_is_not_the_un_list_is_a_format_error(tmp_path):
    path = tmp_path / "list.xml"
    path.write_text("<OTHER/>", encoding="utf-8")
    with pytest.raises(ListFormatError, match="not a UN consolidated list"):
        un.parse_file(path)
    path.write_text("<CONSOLIDATED_LIST><INDIVIDUALS>", encoding="utf-8")
    with pytest.raises(ListFormatError, match="not well-formed"):
        un.parse_file(path)


def test_an_xml_entity_expansion_is_not_resolved(tmp_path):
    path = tmp_path / "list.xml"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><REFERENCE_NUMBER>T.1</REFERENCE_NUMBER>"
        "<FIRST_NAME>&x;</FIRST_NAME></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>",
        encoding="utf-8",
    )
    with pytest.raises(ListFormatError):
        un.parse_file(path)  # the name stays empty: nothing from the file system is read


def test_ftm_entities_parse_with_aliases_dates_countries_identifiers_and_programmes():
    entries = {entry.uid: entry for entry in ftm.parse_file(FTM_FILE)[0]}
    assert set(entries) == {"NK-person-1", "NK-company-1", "NK-vessel-1"}  # not the sanction, not the address
    person = entries["NK-person-1"]
    assert person.entity_type == "individual"
    assert person.aliases == ["Иван Петрович Сидоров", "Vanya Sidorov"]
    assert person.dates_of_birth == ["1971-03-04", "1972"] and person.countries == ["RU"]
    assert person.programs == ["RU-EO14024"]  # from the Sanction entity that points at it
    assert {"type": "Passport number", "value": "7512345678"} in person.identifiers
    company = entries["NK-company-1"]
    assert company.entity_type == "organisation" and company.aliases == ["OAO Example Neftegaz"]
    assert entries["NK-vessel-1"].entity_type == "vessel" and entries["NK-vessel-1"].countries == ["IR"]


def test_a_line_that_is_not_an_ftm_entity_is_a_format_error(tmp_path):
    path = tmp_path / "entities.ftm.json"
    path.write_text('{"id": "x", "schema": "NoSuchSchema", "properties": {}}\n', encoding="utf-8")
    with pytest.raises(ListFormatError, match="line 1: not an FtM entity"):
        ftm.parse_file(path)


@pytest.mark.django_db
def test_the_un_list_imports_and_screening_reports_its_list_and_programme(capsys):
    call_command("import_sanctions_list", "--format", "un", str(UN_FILE), "--no-rescreen")
    snapshot = ListSnapshot.objects.get()
    assert (snapshot.sanctions_list.code, snapshot.entry_count) == ("un_sc", 1003)
    assert SanctionsEntry.objects.get(uid="QDi.001").programs == ["Al-Qaida"]
    assert AuditEvent.objects.filter(action="compliance.sanctions_list.imported", target_id=str(snapshot.pk)).exists()
    result = screen_party(name="Saif al-Adel", entity_type="person")
    assert result.is_hit
    match = result.matches[0]
    assert (match.list_code, match.entry_uid, match.programs) == ("un_sc", "QDi.001", ("Al-Qaida",))
    assert result.as_dict()["matches"][0]["programs"] == ["Al-Qaida"]


@pytest.mark.django_db
def test_an_opensanctions_dataset_imports_and_is_screened():
    call_command(
        "import_sanctions_list", "--format", "ftm", str(FTM_FILE), "--list-code", "os_sanctions", "--no-rescreen"
    )
    assert ListSnapshot.objects.get().entry_count == 3
    result = screen_party(name="OAO Example Neftegaz", entity_type="organization")
    assert result.is_hit and result.matches[0].entry_uid == "NK-company-1"
    assert screen_party(name="Сидоров Иван Петрович", entity_type="individual").is_hit


@pytest.mark.django_db
def test_an_ftm_file_without_a_list_code_is_refused():
    with pytest.raises(CommandError, match="needs FILE and --list-code"):
        call_command("import_sanctions_list", "--format", "ftm", str(FTM_FILE))
