"""Compliance fixtures: a real subset of the OFAC SDN list, and the full list in memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance.demo_data import OFAC_SDN_DIR
from compliance.lists.importers import ofac
from compliance.lists.services import sanctions_list_import
from compliance.screening.index import clear_index_cache, name_index_from_entries

DATA = Path(__file__).parent / "data"
SUBSET_DIR = DATA / "ofac_subset"


@pytest.fixture(autouse=True)
def _fresh_name_index():
    # Test transactions roll back, so a later test can reuse a snapshot id for other content.
    clear_index_cache()
    yield
    clear_index_cache()


@pytest.fixture(scope="session")
def full_sdn_entries():
    entries, _ = ofac.parse_directory(OFAC_SDN_DIR)
    return entries


@pytest.fixture(scope="session")
def full_sdn_index(full_sdn_entries):
    """The full SDN list (8,976 entries, with aliases) indexed in memory, built once per session."""
    return name_index_from_entries(full_sdn_entries, list_code="ofac_sdn", snapshot_id=1)


def import_subset(directory: Path = SUBSET_DIR, *, rescreen: bool = False):
    entries, checksum = ofac.parse_directory(directory)
    return sanctions_list_import(
        list_code="ofac_sdn",
        list_name="OFAC SDN",
        entries=entries,
        source=str(directory),
        checksum=checksum,
        rescreen=rescreen,
    )


@pytest.fixture
def sdn_subset(db):
    """The subset imported as snapshot v1 (no re-screen enqueued)."""
    return import_subset()
