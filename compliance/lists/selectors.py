"""Reads of the sanctions lists."""

from __future__ import annotations

from django.db.models import OuterRef, Subquery

from compliance.lists.models import ListSnapshot


def current_snapshot_ids() -> tuple[int, ...]:
    """The newest snapshot of every list: what screening runs against."""
    newest = ListSnapshot.objects.filter(sanctions_list=OuterRef("sanctions_list")).order_by("-version")
    return tuple(
        ListSnapshot.objects.filter(version=Subquery(newest.values("version")[:1]))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
