"""OFAC SDN list, legacy CSV format (sdn.csv, alt.csv, add.csv).

The files have no header row, are latin-1, write an empty field as `-0-` and end
with a 0x1A byte. Dates of birth, nationalities and identifiers are not columns:
they sit in the free-text `remarks` column of sdn.csv, as `;`-separated phrases
such as `DOB 01 Jan 1964; alt. DOB 1965; nationality Iran; Passport A0003039 (Iran)`.
"""

from __future__ import annotations

import csv
import datetime
import gzip
import hashlib
import re
from pathlib import Path

from compliance.lists.importers import ListFormatError, ParsedEntry
from compliance.lists.importers.countries import country_code

FILES = ("sdn.csv", "alt.csv", "add.csv")
# ent_num, name, type, program, title, call_sign, vess_type, tonnage, grt, vess_flag, vess_owner, remarks
SDN_COLUMNS = 12
ALT_COLUMNS = 5  # ent_num, alt_num, alt_type, alt_name, alt_remarks
ADD_COLUMNS = 6  # ent_num, add_num, address, city_state_postal, country, add_remarks
ENTITY_TYPES = {"individual": "individual", "vessel": "vessel", "aircraft": "aircraft", "": "organisation"}
MONTHS = {datetime.date(2000, m, 1).strftime("%b").lower(): m for m in range(1, 13)}
_DOB = re.compile(r"^(?:alt\. )?DOB (?P<value>.+)$", re.IGNORECASE)
_NATIONALITY = re.compile(r"^(?:alt\. )?(?:nationality|citizen) (?P<value>.+)$", re.IGNORECASE)
_IDENTIFIER = re.compile(
    r"^(?:alt\. )?(?P<type>[A-Za-z][A-Za-z .#/'\-]*?) (?:No\. |#)?(?P<value>[A-Z0-9][A-Za-z0-9\-/.]*\d[A-Za-z0-9\-/.]*)"
    r"(?: \((?P<country>[^)]+)\))?"
)
_SWIFT = re.compile(r"^(?:alt\. )?SWIFT/BIC (?P<value>[A-Z0-9]{8,11})\b")  # may have no digit at all
_NOT_IDENTIFIERS = (
    "DOB",
    "POB",
    "nationality",
    "citizen",
    "a.k.a",
    "f.k.a",
    "n.k.a",
    "Linked To",
    "Gender",
    "Additional Sanctions",
    "Website",
    "Email",
    "Telephone",
    "Phone",
    "Fax",
    "Executive Order",
    "Secondary sanctions",
    "Transactions Prohibited",
    "Organization Established Date",
    "Organization Type",
    "Former",
    "Minister",
    "Deputy",
)


def _clean(value: str) -> str:
    value = value.strip()
    return "" if value == "-0-" else value


def read_file(path: Path) -> bytes:
    """The bytes of one list file, as published: `sdn.csv`, or `sdn.csv.gz` beside it when only the
    compressed copy is there (the demo list kept in the repository)."""
    if path.is_file():
        return path.read_bytes()
    compressed = path.with_name(path.name + ".gz")
    if compressed.is_file():
        return gzip.decompress(compressed.read_bytes())
    raise ListFormatError(f"{path} is missing")


def read_rows(path: Path, columns: int) -> list[list[str]]:
    """Rows of one legacy CSV file, empty fields as ""."""
    text = read_file(path).decode("latin-1").rstrip("\x1a\r\n ")
    rows = []
    for number, row in enumerate(csv.reader(text.splitlines()), start=1):
        if not row:
            continue
        if len(row) != columns:
            raise ListFormatError(f"{path.name} line {number}: expected {columns} columns, found {len(row)}")
        rows.append([_clean(value) for value in row])
    return rows


def parse_date_of_birth(text: str) -> str:
    """`01 Jan 1964` → `1964-01-01`, `Jan 1964` → `1964-01`, `1964` → `1964`,
    `circa 1960` → `1959/1961`, `1955 to 1958` → `1955/1958`; "" when unreadable."""
    words = text.replace(",", " ").split()
    if not words:
        return ""
    if words[0].lower() == "circa" and len(words) >= 2 and words[-1].isdigit():
        year = int(words[-1])
        return f"{year - 1}/{year + 1}"
    if len(words) == 3 and words[1].lower() == "to" and words[0].isdigit() and words[2].isdigit():
        return f"{words[0]}/{words[2]}"
    if len(words) == 3 and words[0].isdigit() and words[1][:3].lower() in MONTHS and words[2].isdigit():
        return f"{int(words[2]):04d}-{MONTHS[words[1][:3].lower()]:02d}-{int(words[0]):02d}"
    if len(words) == 2 and words[0][:3].lower() in MONTHS and words[1].isdigit():
        return f"{int(words[1]):04d}-{MONTHS[words[0][:3].lower()]:02d}"
    if len(words) == 1 and words[0].isdigit() and len(words[0]) == 4:
        return words[0]
    return ""


def parse_remarks(remarks: str) -> tuple[list[str], list[str], list[dict]]:
    """Dates of birth, nationality country codes and identifiers found in the remarks."""
    dates, countries, identifiers = [], [], []
    for phrase in remarks.split(";"):
        phrase = phrase.strip().rstrip(".").strip()
        if not phrase or phrase.startswith(("a.k.a", "f.k.a", "n.k.a")):
            continue
        if match := _DOB.match(phrase):
            if value := parse_date_of_birth(match["value"]):
                dates.append(value)
            continue
        if match := _NATIONALITY.match(phrase):
            if code := country_code(match["value"]):
                countries.append(code)
            continue
        if phrase.startswith(_NOT_IDENTIFIERS) or phrase.startswith(tuple("alt. " + p for p in _NOT_IDENTIFIERS)):
            continue
        if match := _SWIFT.match(phrase):
            identifiers.append({"type": "SWIFT/BIC", "value": match["value"]})
            continue
        if match := _IDENTIFIER.match(phrase):
            identifier = {"type": match["type"].strip(), "value": match["value"]}
            if match["country"]:
                identifier["country"] = country_code(match["country"]) or match["country"]
            identifiers.append(identifier)
    return dates, countries, identifiers


def parse_directory(directory: Path) -> tuple[list[ParsedEntry], str]:
    """Entries of the SDN list in `directory`, and the SHA-256 of its three files."""
    directory = Path(directory)
    checksum = hashlib.sha256()
    for name in FILES:
        checksum.update(read_file(directory / name))
    entries: dict[str, ParsedEntry] = {}
    for row in read_rows(directory / "sdn.csv", SDN_COLUMNS):
        uid, name, kind, program, remarks, flag = row[0], row[1], row[2].lower(), row[3], row[11], row[9]
        if not uid or not name:
            raise ListFormatError(f"sdn.csv: an entry without a number or name: {row[:2]}")
        dates, countries, identifiers = parse_remarks(remarks)
        if flag and (code := country_code(flag)):
            countries.append(code)
        entries[uid] = ParsedEntry(
            uid=uid,
            entity_type=ENTITY_TYPES.get(kind, "organisation"),
            primary_name=name,
            programs=[p.strip() for p in program.split("] [") if p.strip()],
            dates_of_birth=dates,
            countries=countries,
            identifiers=identifiers,
            remarks=remarks,
        )
    for row in read_rows(directory / "alt.csv", ALT_COLUMNS):
        if row[0] in entries and row[3]:
            entries[row[0]].aliases.append(row[3])
    for row in read_rows(directory / "add.csv", ADD_COLUMNS):
        if row[0] in entries and row[4] and (code := country_code(row[4])):
            entries[row[0]].countries.append(code)
    for entry in entries.values():
        entry.countries = sorted(set(entry.countries))
        entry.dates_of_birth = list(dict.fromkeys(entry.dates_of_birth))
    return list(entries.values()), checksum.hexdigest()
