"""Issue #22 item 5: the PCI DSS table of docs/deploy.md points at files and lines that
exist and still hold what the row says (fix stale numbers with
`python -m tools.doc_line_refs --fix docs/deploy.md`)."""

from __future__ import annotations

import re
from pathlib import Path

from tools.doc_line_refs import REFERENCE, fixed, stale_references

DOC = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"


def _pci_rows() -> dict[str, str]:
    table = DOC.read_text().split("## PCI DSS 4.0.1", 1)[1]
    return {row.split("|")[1].strip(): row for row in table.splitlines() if re.match(r"\| \d", row)}


def test_every_line_reference_holds_its_text():
    assert REFERENCE.search(DOC.read_text())
    assert stale_references(DOC.read_text()) == []


def test_the_table_covers_the_requirements_the_issue_names():
    requirements = " ".join(_pci_rows())
    for named in ["1.2", "1.3", "1.4", "3.5", "3.6", "4.2", "8.3", "8.4", "10.2", "10.3", "10.4", "10.5", "11."]:
        assert named in requirements, named
    for requirement, row in _pci_rows().items():
        assert REFERENCE.search(row) or "docs/security" in row or "tests/security" in row or "(4.2.1)" in row, (
            requirement
        )


def test_a_moved_line_is_reported_and_fixed(tmp_path):
    # given a file whose referenced text moved down a line
    (tmp_path / "conf.py").write_text("# header\nTIMEOUT = 5\n")
    document = "`conf.py:1` (`TIMEOUT = 5`)"

    # then the reference is stale, and --fix points it at the new line
    assert stale_references(document, root=tmp_path) == ["conf.py:1 does not hold 'TIMEOUT = 5'"]
    assert fixed(document, root=tmp_path) == "`conf.py:2` (`TIMEOUT = 5`)"
    assert stale_references("`missing.py:3` (`x`)", root=tmp_path) == ["missing.py does not exist"]
