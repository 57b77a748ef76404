"""Screen the names of a CSV file: one JSON line per input row on stdout."""

from __future__ import annotations

import csv
import datetime
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from compliance.screening.names import ENTITY_TYPE_SPELLINGS, entity_type_of
from compliance.screening.services import screen_party


def parse_row(row: dict) -> dict:
    """The screen_party arguments of one row; ValueError says what is wrong."""
    name = (row.get("name") or "").strip()
    if not name:
        raise ValueError("name is empty")
    dob_text = (row.get("date_of_birth") or "").strip()
    try:
        date_of_birth = datetime.date.fromisoformat(dob_text) if dob_text else None
    except ValueError as exc:
        raise ValueError(f"date_of_birth {dob_text!r} is not YYYY-MM-DD") from exc
    country = (row.get("country") or "").strip().upper()
    if country and (len(country) != 2 or not country.isalpha()):
        raise ValueError(f"country {country!r} is not an ISO alpha-2 code")
    text = (row.get("entity_type") or "").strip()
    try:
        entity_type = entity_type_of(text)
    except ValueError:
        raise ValueError(f"entity_type {text!r} is not one of {', '.join(sorted(ENTITY_TYPE_SPELLINGS))}") from None
    return {
        "name": name,
        "date_of_birth": date_of_birth,
        "country": country or None,
        "entity_type": entity_type or None,
    }


class Command(BaseCommand):
    help = (
        "Screen names from a CSV file with a header row: name,date_of_birth,country,entity_type (the last three "
        "optional; date as YYYY-MM-DD, country as ISO alpha-2, entity type as individual/person or "
        "organisation/organization/company/entity, vessel, aircraft). Writes one JSON line per row to stdout: "
        '{"input": {...}, "decision": "hit"|"clear", "matches": [{"list", "programs", "entry_id", "matched_name", '
        '"score"}]}. '
        "Bad rows are reported with their line number on stderr. Records nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path} does not exist")
        bad = 0
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            if "name" not in (reader.fieldnames or ()):
                raise CommandError(f"{path}: the header row has no 'name' column")
            for row in reader:
                try:
                    arguments = parse_row(row)
                except ValueError as exc:
                    bad += 1
                    self.stderr.write(f"line {reader.line_num}: {exc}")
                    continue
                result = screen_party(**arguments)
                self.stdout.write(
                    json.dumps(
                        {
                            "input": {
                                key: (value.isoformat() if isinstance(value, datetime.date) else value)
                                for key, value in arguments.items()
                            },
                            "decision": result.decision,
                            "matches": [
                                {
                                    "list": m.list_code,
                                    "programs": list(m.programs),
                                    "entry_id": m.entry_uid,
                                    "matched_name": m.matched_name,
                                    "score": m.score,
                                }
                                for m in result.matches
                            ],
                        },
                        ensure_ascii=False,
                    )
                )
        if bad:
            self.stderr.write(f"{bad} bad row(s) skipped")
