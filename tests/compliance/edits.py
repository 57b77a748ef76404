"""Editing a copy of the OFAC subset, to make a later release of the list."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

from tests.compliance.conftest import SUBSET_DIR


def copy_subset(tmp_path: Path) -> Path:
    directory = tmp_path / "ofac"
    shutil.copytree(SUBSET_DIR, directory)
    return directory


def _rows(path: Path) -> list[list[str]]:
    text = path.read_bytes().decode("latin-1").rstrip("\x1a\r\n")
    return list(csv.reader(text.splitlines()))


def _write(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode("latin-1") + b"\x1a")


def edit_entry(directory: Path, uid: str, *, remarks: str | None = None, delete: bool = False) -> None:
    for name in ("sdn.csv", "alt.csv", "add.csv"):
        rows = _rows(directory / name)
        if delete:
            rows = [row for row in rows if row[0] != uid]
        elif name == "sdn.csv" and remarks is not None:
            rows = [[*row[:11], remarks] if row[0] == uid else row for row in rows]
        _write(directory / name, rows)


def add_entry(
    directory: Path,
    uid: str,
    name: str,
    *,
    kind: str = "individual",
    remarks: str = "-0-",
    aliases: tuple[str, ...] = (),
) -> None:
    rows = _rows(directory / "sdn.csv")
    rows.append([uid, name, kind, "SDGT", *["-0-"] * 7, remarks])
    _write(directory / "sdn.csv", rows)
    alt = _rows(directory / "alt.csv")
    alt += [[uid, f"{uid}{i}", "aka", alias, "-0-"] for i, alias in enumerate(aliases)]
    _write(directory / "alt.csv", alt)
