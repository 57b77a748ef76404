"""Importing lists as versioned snapshots, with their diff and the re-screen they trigger."""

import pytest
from django.core.management import CommandError, call_command

from compliance.demo_data import OFAC_SDN_DIR
from compliance.lists.models import EntryName, ListSnapshot, SanctionsEntry
from compliance.lists.selectors import current_snapshot_ids
from fintech.models import AuditEvent
from tests.compliance.conftest import import_subset
from tests.compliance.edits import copy_subset, edit_entry
from tests.helpers import recorded_tasks

pytestmark = pytest.mark.django_db


def test_the_full_ofac_list_imports_as_one_snapshot(full_sdn_entries, capsys):
    # when
    call_command("import_sanctions_list", "--format", "ofac", "--dir", str(OFAC_SDN_DIR), "--no-rescreen")
    # then
    snapshot = ListSnapshot.objects.get()
    assert (snapshot.sanctions_list.code, snapshot.version) == ("ofac_sdn", 1)
    assert snapshot.entry_count == SanctionsEntry.objects.count() == 8976
    assert EntryName.objects.filter(is_primary=False).count() == snapshot.name_count - 8976
    assert snapshot.name_count == EntryName.objects.count() == 20880  # 11,910 aliases, 6 repeat the primary name
    assert snapshot.diff["added_count"] == 8976
    assert len(snapshot.source_checksum) == 64
    entry = SanctionsEntry.objects.get(uid="24901")
    assert entry.dates_of_birth == ["1968-06-17"] and "SY" in entry.countries
    assert "8976 entries" in capsys.readouterr().out
    event = AuditEvent.objects.get(action="compliance.sanctions_list.imported")
    assert event.target_id == str(snapshot.pk) and event.after["entries"] == 8976


def test_a_second_import_is_a_new_version_with_a_diff(tmp_path):
    first = import_subset()
    directory = copy_subset(tmp_path)
    edit_entry(directory, "24901", remarks="DOB 17 Jun 1968; nationality Syria; Passport 999 (Syria).")
    edit_entry(directory, "36", delete=True)
    # when
    with recorded_tasks() as tasks:
        second = import_subset(directory, rescreen=True)
    # then
    assert second.version == first.version + 1
    assert second.diff["changed"] == ["24901"]
    assert second.diff["removed"] == ["36"]
    assert second.diff["added_count"] == 0
    assert second.diff["previous_version"] == 1
    assert current_snapshot_ids() == (second.pk,)
    assert tasks == [("compliance.rescreen_customers", [second.pk])]  # the re-screen job, with the commit
    assert AuditEvent.objects.filter(action="compliance.sanctions_list.imported").count() == 2


def test_the_generic_format_through_the_command(tmp_path, capsys):
    path = tmp_path / "un.csv"
    path.write_text("uid,name,entity_type,aliases\nU1,Ivan Petrov,individual,Ivan Petroff\n", encoding="utf-8")
    call_command("import_sanctions_list", str(path), "--format", "generic", "--list-code", "un_test", "--no-rescreen")
    snapshot = ListSnapshot.objects.get(sanctions_list__code="un_test")
    assert (snapshot.entry_count, snapshot.name_count) == (1, 2)
    assert AuditEvent.objects.filter(action="compliance.sanctions_list.imported", target_id=str(snapshot.pk)).exists()


def test_a_bad_file_imports_nothing(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("name\nX\n", encoding="utf-8")
    with pytest.raises(CommandError, match="missing column"):
        call_command("import_sanctions_list", str(path), "--format", "generic", "--list-code", "bad")
    with pytest.raises(CommandError, match="is missing"):
        call_command("import_sanctions_list", "--format", "ofac", "--dir", str(tmp_path))
    assert not ListSnapshot.objects.exists()
    assert not AuditEvent.objects.filter(action="compliance.sanctions_list.imported").exists()


def test_reimporting_the_same_release_changes_nothing_but_the_version():
    first = import_subset()
    second = import_subset()
    assert second.version == first.version + 1
    assert (second.diff["added_count"], second.diff["removed_count"], second.diff["changed_count"]) == (0, 0, 0)
    assert second.source_checksum == first.source_checksum
    assert AuditEvent.objects.filter(action="compliance.sanctions_list.imported").count() == 2
