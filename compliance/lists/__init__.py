"""Sanctions lists: what screening compares names against.

- `models.py`: a list (`SanctionsList`), its imports as immutable, versioned snapshots
  (`ListSnapshot`), their entries and every name of an entry (`SanctionsEntry`, `EntryName`).
- `importers/`: parsers of the published files (OFAC CSV, UN XML, OpenSanctions
  FollowTheMoney, a generic CSV) into `ParsedEntry` rows; they read, never write.
- `services.py`: `sanctions_list_import`, a file's entries as a new snapshot, diffed against
  the previous one; it enqueues the re-screening of every customer (by task name, through
  the outbox).
- `selectors.py`: the current snapshot of every list. `admin.py`: read-only admin pages.

The door is `manage.py import_sanctions_list` (compliance/management/commands/). Lists know
nothing of hits or customers; the screening feature reads them.
"""
