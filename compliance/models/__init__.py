from compliance.models.hits import ScreeningHit
from compliance.models.lists import EntryName, ListSnapshot, SanctionsEntry, SanctionsList

__all__ = ["EntryName", "ListSnapshot", "SanctionsEntry", "SanctionsList", "ScreeningHit"]
