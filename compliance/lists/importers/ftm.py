"""OpenSanctions datasets in the FollowTheMoney entity format (JSON lines), read with `followthemoney`.

Each line is one entity (`{"id", "schema", "properties"}`). Persons, organisations,
companies, legal entities, vessels and aircraft become entries: names from `name`,
aliases from `alias`, `previousName` and `weakAlias`, dates of birth from `birthDate`,
countries from `nationality`, `citizenship`, `country` and `jurisdiction`, identifiers
from every identifier property (passport, registration, IMO, LEI...). Programmes come
from the entity's `programId` and from the `Sanction` entities that point at it. Other
entities (addresses, sanctions, ownerships) are read for that and not listed themselves.
Works for any OpenSanctions dataset file (`entities.ftm.json`), e.g. `sanctions` or `default`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from followthemoney import model
from followthemoney.exc import InvalidData

from compliance.lists.importers import ListFormatError, ParsedEntry

ENTITY_TYPES = {"Person": "individual", "Vessel": "vessel", "Airplane": "aircraft"}
LISTED_SCHEMATA = ("Person", "Organization", "LegalEntity", "Vessel", "Airplane")
ALIAS_PROPERTIES = ("alias", "previousName", "weakAlias")
COUNTRY_PROPERTIES = ("nationality", "citizenship", "country", "jurisdiction", "flag")
MAX_LINE_BYTES = 4 * 1024 * 1024


def _entity_type(schema) -> str:
    for name, entity_type in ENTITY_TYPES.items():
        if schema.is_a(name):
            return entity_type
    return "organisation"


def _entry(proxy, programs: list[str]) -> ParsedEntry | None:
    names = proxy.get("name")
    if not names:
        return None
    identifiers = [
        {"type": prop.label, "value": value}
        for prop in proxy.schema.properties.values()
        if prop.type.name == "identifier" and prop.name != "programId"
        for value in proxy.get(prop)
    ]
    aliases = [alias for prop in ALIAS_PROPERTIES if prop in proxy.schema.properties for alias in proxy.get(prop)]
    return ParsedEntry(
        uid=proxy.id,
        entity_type=_entity_type(proxy.schema),
        primary_name=names[0],
        aliases=list(dict.fromkeys(a for a in [*names[1:], *aliases] if a != names[0])),
        programs=list(dict.fromkeys([*proxy.get("programId", quiet=True), *programs])),
        dates_of_birth=sorted(set(proxy.get("birthDate", quiet=True))),
        countries=sorted(
            {c.upper() for prop in COUNTRY_PROPERTIES for c in proxy.get(prop, quiet=True) if len(c) == 2}
        ),
        identifiers=identifiers,
        remarks="; ".join(proxy.get("notes", quiet=True))[:2000],
    )


def _dates(values: list[str]) -> list[str]:
    """FtM dates are ISO prefixes (YYYY, YYYY-MM, YYYY-MM-DD, or with a time): the product's forms."""
    return sorted({value[:10] for value in values if len(value) >= 4 and value[:4].isdigit()})


def parse_file(path: Path) -> tuple[list[ParsedEntry], str]:
    """Entries of an FtM JSON-lines file, and its SHA-256."""
    path = Path(path)
    if not path.is_file():
        raise ListFormatError(f"{path} is missing")
    checksum = hashlib.sha256()
    listed, sanctions = [], {}
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            checksum.update(line)
            if len(line) > MAX_LINE_BYTES:
                raise ListFormatError(f"{path.name} line {number}: longer than {MAX_LINE_BYTES} bytes")
            if not line.strip():
                continue
            try:
                proxy = model.get_proxy(json.loads(line))
            except (ValueError, InvalidData, TypeError, AttributeError) as exc:
                raise ListFormatError(f"{path.name} line {number}: not an FtM entity ({exc})") from None
            if proxy.schema.is_a("Sanction"):
                for target in proxy.get("entity"):
                    sanctions.setdefault(target, []).extend(proxy.get("programId") or proxy.get("program"))
            elif any(proxy.schema.is_a(name) for name in LISTED_SCHEMATA):
                listed.append(proxy)
    entries = []
    for proxy in listed:
        if (entry := _entry(proxy, sanctions.get(proxy.id, []))) is not None:
            entry.dates_of_birth = _dates(entry.dates_of_birth)
            entries.append(entry)
    return entries, checksum.hexdigest()
