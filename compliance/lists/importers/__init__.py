"""Parsers of sanctions list files into `ParsedEntry` rows. They read; they never write."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field


@dataclass
class ParsedEntry:
    uid: str
    entity_type: str
    primary_name: str
    aliases: list[str] = field(default_factory=list)
    programs: list[str] = field(default_factory=list)
    dates_of_birth: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    identifiers: list[dict] = field(default_factory=list)
    remarks: str = ""

    def content_hash(self) -> str:
        """SHA-256 of everything the list says about the entry, order-independent where order means nothing."""
        data = asdict(self)
        for key in ("aliases", "programs", "dates_of_birth", "countries"):
            data[key] = sorted(set(data[key]))
        data["identifiers"] = sorted(json.dumps(i, sort_keys=True) for i in data["identifiers"])
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode("utf-8")).hexdigest()


class ListFormatError(ValueError):
    """The source file is not in the expected format; nothing was imported."""
