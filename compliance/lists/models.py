"""Sanctions lists as versioned snapshots: every import is a new, immutable snapshot."""

from __future__ import annotations

from django.db import models


class EntityType(models.TextChoices):
    INDIVIDUAL = "individual", "Individual"
    ORGANISATION = "organisation", "Organisation"
    VESSEL = "vessel", "Vessel"
    AIRCRAFT = "aircraft", "Aircraft"


class SanctionsList(models.Model):
    """A list we screen against, e.g. `ofac_sdn`. Its content lives in snapshots."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class ListSnapshot(models.Model):
    """One import of a list. The newest snapshot of each list is the one screened against.

    `diff` holds the uids added, removed and changed (by content hash) against the
    previous snapshot of the same list.
    """

    sanctions_list = models.ForeignKey(SanctionsList, on_delete=models.PROTECT, related_name="snapshots")
    version = models.PositiveIntegerField()
    imported_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=300, blank=True)
    source_checksum = models.CharField(max_length=64, help_text="SHA-256 of the source files.")
    entry_count = models.PositiveIntegerField(default=0)
    name_count = models.PositiveIntegerField(default=0)
    diff = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["sanctions_list", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["sanctions_list", "version"], name="uniq_snapshot_version"),
        ]
        get_latest_by = "version"

    def __str__(self) -> str:
        return f"{self.sanctions_list.code} v{self.version}"


class SanctionsEntry(models.Model):
    """One listed party as it stood in one snapshot."""

    snapshot = models.ForeignKey(ListSnapshot, on_delete=models.CASCADE, related_name="entries")
    uid = models.CharField(max_length=64, help_text="The entry's id in the list (OFAC ent_num).")
    entity_type = models.CharField(max_length=16, choices=EntityType.choices, default=EntityType.ORGANISATION)
    primary_name = models.CharField(max_length=400)
    programs = models.JSONField(default=list, blank=True)
    dates_of_birth = models.JSONField(
        default=list, blank=True, help_text="`YYYY-MM-DD`, `YYYY-MM`, `YYYY` or a year range `YYYY/YYYY`."
    )
    countries = models.JSONField(default=list, blank=True, help_text="ISO 3166-1 alpha-2: nationality, addresses.")
    identifiers = models.JSONField(default=list, blank=True)
    remarks = models.TextField(blank=True)
    content_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["snapshot", "uid"]
        constraints = [models.UniqueConstraint(fields=["snapshot", "uid"], name="uniq_entry_uid_per_snapshot")]
        verbose_name_plural = "sanctions entries"

    def __str__(self) -> str:
        return f"{self.uid} {self.primary_name}"


class EntryName(models.Model):
    """A name an entry is known by (primary or alias), with its matching keys as of the import
    (for search and review; the in-memory index recomputes them with the current code)."""

    entry = models.ForeignKey(SanctionsEntry, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=400)
    is_primary = models.BooleanField(default=False)
    normalised = models.CharField(max_length=400)
    phonetic_key = models.CharField(max_length=400, blank=True)

    class Meta:
        ordering = ["entry", "-is_primary", "id"]

    def __str__(self) -> str:
        return self.name
