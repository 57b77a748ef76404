"""Looks at customer data by staff are audit events: who saw which rows, where, when.

Reads change nothing, so this is the only row such a request writes; it goes into the same
hash chain as every change (fintech.services.audit). A page of a list is one event naming the
ids it showed (at most `IDS_LIMIT` of each kind, with the count), not one event per row.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models

from fintech.models import AuditEvent
from fintech.services.audit import audit_event_record

IDS_LIMIT = 500


def staff_read_record(
    *,
    actor,
    action: str,
    shown: dict[str, Iterable],
    via: str,
    what: str,
    target: models.Model | None = None,
    query: dict | None = None,
) -> AuditEvent:
    """Record that `actor` was shown `shown` (model label -> ids) through `via` ("admin", "api").

    `action` is `<app>.<model>.viewed` for one object's page (with `target`) and
    `<app>.<model>.listed` for a list or search page; `query` is what the list was asked for.
    """
    ids = {label: [str(pk) for pk in pks] for label, pks in shown.items()}
    return audit_event_record(
        action=action,
        actor=actor,
        target=target,
        after={
            "viewed": what,
            "via": via,
            "query": query or {},
            "ids": {label: pks[:IDS_LIMIT] for label, pks in ids.items()},
            "count": {label: len(pks) for label, pks in ids.items()},
        },
    )
