"""A generic CSV for lists other than OFAC's.

UTF-8, one header row, one entry per row. Columns (only `uid` and `name` are required):

    uid            the entry's id in the list, unique within the file
    name           primary name
    entity_type    individual | organisation | vessel | aircraft (default organisation; also the usual
                   spellings: person, organization, company, entity...)
    aliases        other names, separated by `;`
    programs       sanctions programmes, separated by `;`
    dates_of_birth YYYY-MM-DD, YYYY-MM or YYYY, or a year range YYYY/YYYY, separated by `;`
    countries      country names or ISO alpha-2 codes (nationality, addresses), separated by `;`
    identifiers    TYPE:VALUE pairs (passport, registration number...), separated by `;`
    remarks        free text
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

from compliance.lists.importers import ListFormatError, ParsedEntry
from compliance.lists.importers.countries import country_code
from compliance.screening.names import entity_type_of

COLUMNS = ("uid", "name", "entity_type", "aliases", "programs", "dates_of_birth", "countries", "identifiers", "remarks")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$|^\d{4}/\d{4}$")


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def parse_file(path: Path) -> tuple[list[ParsedEntry], str]:
    """Entries of a generic CSV, and the SHA-256 of the file."""
    path = Path(path)
    if not path.is_file():
        raise ListFormatError(f"{path} is missing")
    raw = path.read_bytes()
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
    missing = {"uid", "name"} - set(reader.fieldnames or ())
    if missing:
        raise ListFormatError(f"{path.name}: missing column(s) {', '.join(sorted(missing))}")
    entries: dict[str, ParsedEntry] = {}
    for number, row in enumerate(reader, start=2):
        uid, name = (row.get("uid") or "").strip(), (row.get("name") or "").strip()
        if not uid or not name:
            raise ListFormatError(f"{path.name} line {number}: uid and name are required")
        if uid in entries:
            raise ListFormatError(f"{path.name} line {number}: duplicate uid {uid}")
        try:
            entity_type = entity_type_of(row.get("entity_type")) or "organisation"
        except ValueError:
            raise ListFormatError(
                f"{path.name} line {number}: unknown entity_type {row.get('entity_type')!r}"
            ) from None
        dates = _split(row.get("dates_of_birth"))
        if bad := [d for d in dates if not _DATE.match(d)]:
            raise ListFormatError(f"{path.name} line {number}: unreadable date(s) of birth {bad}")
        identifiers = []
        for pair in _split(row.get("identifiers")):
            kind, _, value = pair.partition(":")
            identifiers.append({"type": kind.strip(), "value": value.strip()})
        entries[uid] = ParsedEntry(
            uid=uid,
            entity_type=entity_type,
            primary_name=name,
            aliases=_split(row.get("aliases")),
            programs=_split(row.get("programs")),
            dates_of_birth=dates,
            countries=sorted({code for c in _split(row.get("countries")) if (code := country_code(c))}),
            identifiers=identifiers,
            remarks=(row.get("remarks") or "").strip(),
        )
    return list(entries.values()), hashlib.sha256(raw).hexdigest()
