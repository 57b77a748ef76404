"""The UN Security Council consolidated sanctions list, as the UN publishes it (XML).

`<CONSOLIDATED_LIST>` holds `<INDIVIDUALS>` and `<ENTITIES>`. An individual's name is
its FIRST_NAME ... FOURTH_NAME in order; aliases are INDIVIDUAL_ALIAS/ALIAS_NAME (and
NAME_ORIGINAL_SCRIPT); dates of birth are EXACT (DATE or YEAR), APPROXIMATELY (a YEAR,
read as the year either side) or BETWEEN (FROM_YEAR to TO_YEAR); the programme is
UN_LIST_TYPE; REFERENCE_NUMBER is the UN's own id (e.g. QDi.430), kept as the entry uid.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

# The file is the UN's own publication, read with a parser that resolves no entities and reaches no network.
from lxml import etree  # nosec B410

from compliance.lists.importers import ListFormatError, ParsedEntry
from compliance.lists.importers.countries import country_code

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
NAME_FIELDS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")


def _text(element, path: str) -> str:
    found = element.find(path)
    return " ".join((found.text or "").split()) if found is not None else ""


def _texts(element, path: str) -> list[str]:
    return [text for found in element.findall(path) if (text := " ".join((found.text or "").split()))]


def _dates_of_birth(element) -> list[str]:
    dates = []
    for dob in element.findall("INDIVIDUAL_DATE_OF_BIRTH"):
        kind = _text(dob, "TYPE_OF_DATE").upper()
        date, year = _text(dob, "DATE"), _text(dob, "YEAR")
        low, high = _text(dob, "FROM_YEAR"), _text(dob, "TO_YEAR")
        if kind == "BETWEEN" and low.isdigit() and high.isdigit():
            dates.append(f"{low}/{high}")
        elif kind == "APPROXIMATELY" and year.isdigit():
            dates.append(f"{int(year) - 1}/{int(year) + 1}")
        elif date[:10].count("-") == 2:
            dates.append(date[:10])
        elif year.isdigit():
            dates.append(year)
    return list(dict.fromkeys(dates))


def _countries(element, *paths: str) -> list[str]:
    return sorted({code for path in paths for name in _texts(element, path) if (code := country_code(name))})


def _identifiers(element) -> list[dict]:
    identifiers = []
    for document in element.findall("INDIVIDUAL_DOCUMENT"):
        number = _text(document, "NUMBER")
        if not number:
            continue
        identifier = {"type": _text(document, "TYPE_OF_DOCUMENT") or "Document", "value": number}
        if issuer := _text(document, "ISSUING_COUNTRY") or _text(document, "COUNTRY_OF_ISSUE"):
            identifier["country"] = country_code(issuer) or issuer
        identifiers.append(identifier)
    return identifiers


def _entry(element, *, individual: bool) -> ParsedEntry | None:
    uid = _text(element, "REFERENCE_NUMBER") or _text(element, "DATAID")
    name = " ".join(part for field in NAME_FIELDS if (part := _text(element, field)))
    if not uid or not name:
        return None
    alias_path = "INDIVIDUAL_ALIAS/ALIAS_NAME" if individual else "ENTITY_ALIAS/ALIAS_NAME"
    aliases = [
        alias for alias in [*_texts(element, alias_path), *_texts(element, "NAME_ORIGINAL_SCRIPT")] if alias != name
    ]
    if individual:
        countries = _countries(element, "NATIONALITY/VALUE", "INDIVIDUAL_ADDRESS/COUNTRY")
    else:
        countries = _countries(element, "ENTITY_ADDRESS/COUNTRY")
    return ParsedEntry(
        uid=uid,
        entity_type="individual" if individual else "organisation",
        primary_name=name,
        aliases=list(dict.fromkeys(aliases)),
        programs=_texts(element, "UN_LIST_TYPE"),
        dates_of_birth=_dates_of_birth(element) if individual else [],
        countries=countries,
        identifiers=_identifiers(element) if individual else [],
        remarks=_text(element, "COMMENTS1"),
    )


def parse_file(path: Path) -> tuple[list[ParsedEntry], str]:
    """Entries of the consolidated list, and the SHA-256 of the file."""
    path = Path(path)
    if not path.is_file():
        raise ListFormatError(f"{path} is missing")
    raw = path.read_bytes()
    try:
        root = etree.fromstring(raw, parser=_PARSER)  # nosec B320 (hardened parser above)
    except etree.XMLSyntaxError as exc:
        raise ListFormatError(f"{path.name}: not well-formed XML ({exc})") from None
    if root.tag != "CONSOLIDATED_LIST":
        raise ListFormatError(f"{path.name}: not a UN consolidated list (root <{root.tag}>)")
    entries: dict[str, ParsedEntry] = {}
    for element, individual in [
        *((e, True) for e in root.iterfind("INDIVIDUALS/INDIVIDUAL")),
        *((e, False) for e in root.iterfind("ENTITIES/ENTITY")),
    ]:
        entry = _entry(element, individual=individual)
        if entry is None:
            raise ListFormatError(
                f"{path.name}: an entry without a reference number or name (DATAID {_text(element, 'DATAID') or '?'})"
            )
        entries[entry.uid] = entry
    return list(entries.values()), hashlib.sha256(raw).hexdigest()
