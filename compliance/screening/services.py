"""THE ONE DOOR into sanctions screening for every other app.

`screen_party()` screens a name (and optional date of birth, country and entity
type) against the current snapshot of every list. Given a `party` (a model
instance: a customer, a counterparty), it also records new matches as pending
`ScreeningHit`s for analysts. `party_is_blocked()` tells whether a party's outgoing
money must stop. Payments and banking reach it through the core's port
(fintech/party_screening.py; settings.PARTY_SCREENING names this module).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from compliance import conf
from compliance.screening.matcher import Match, Query, match_name
from compliance.screening.models import ScreeningHit
from compliance.screening.names import entity_type_of
from compliance.screening.selectors import current_name_index, open_hits_for_party, party_hit_keys
from fintech.services.audit import audit_event_record
from fintech.truncation import truncate_to_field

HIT, CLEAR = "hit", "clear"


@dataclass(frozen=True)
class ScreeningResult:
    decision: str  # "hit" or "clear"
    threshold: float
    matches: list[Match] = field(default_factory=list)
    new_hit_ids: list[int] = field(default_factory=list)

    @property
    def is_hit(self) -> bool:
        return self.decision == HIT

    def as_dict(self) -> dict:
        return {
            "decision": self.decision,
            "threshold": self.threshold,
            "matches": [match.as_dict() for match in self.matches],
        }


def party_reference(party) -> tuple[str, str]:
    return party._meta.label, str(party.pk)


def screen_party(
    *,
    name: str,
    date_of_birth: datetime.date | None = None,
    country: str | None = None,
    entity_type: str | None = None,
    party=None,
) -> ScreeningResult:
    """Screen one name; with `party`, record its new hits (pending review) and audit them.

    `entity_type` takes the usual spellings ("individual", "person", "organisation", "organization",
    "company", "entity"...); ValueError for any other.

    Suppression: a match the party already has open (pending or confirmed) is not raised again;
    a false positive is not raised again until the list changes what it says about the entry (its
    content hash).
    """
    threshold = conf.screening_threshold()
    query = Query(
        name=name, date_of_birth=date_of_birth, country=(country or "").upper(), entity_type=entity_type_of(entity_type)
    )
    matches = match_name(current_name_index(), query, limit=conf.screening_max_matches(), min_score=threshold)
    new_hit_ids = _hits_record(party=party, name=name, matches=matches) if party is not None and matches else []
    return ScreeningResult(
        decision=HIT if matches else CLEAR, threshold=threshold, matches=matches, new_hit_ids=new_hit_ids
    )


@transaction.atomic
def _hits_record(*, party, name: str, matches: list[Match]) -> list[int]:
    party_type, party_id = party_reference(party)
    known = party_hit_keys(party_type=party_type, party_id=party_id)
    open_entries = {
        (code, uid) for (code, uid, _), status in known.items() if status != ScreeningHit.Status.FALSE_POSITIVE
    }
    created: list[int] = []
    for match in matches:
        if (match.list_code, match.entry_uid) in open_entries:
            continue
        if known.get((match.list_code, match.entry_uid, match.content_hash)) == ScreeningHit.Status.FALSE_POSITIVE:
            continue
        try:
            with transaction.atomic():
                hit = ScreeningHit.objects.create(
                    party_type=party_type,
                    party_id=party_id,
                    party_name=truncate_to_field(ScreeningHit, "party_name", name),
                    list_code=match.list_code,
                    entry_uid=match.entry_uid,
                    entry_content_hash=match.content_hash,
                    snapshot_id=match.snapshot_id,
                    matched_name=truncate_to_field(ScreeningHit, "matched_name", match.matched_name),
                    score=match.score,
                    score_parts=match.score_parts,
                )
        except IntegrityError:  # a concurrent screening of the same party raised it first
            continue
        audit_event_record(
            action="compliance.screening_hit.raised",
            target=hit,
            after={
                "party": f"{party_type}:{party_id}",
                "list": match.list_code,
                "entry_uid": match.entry_uid,
                "matched_name": match.matched_name,
                "score": match.score,
            },
        )
        created.append(hit.pk)
    return created


def party_is_blocked(party) -> bool:
    """True while the party has a pending or confirmed hit: outgoing money must not move."""
    party_type, party_id = party_reference(party)
    return open_hits_for_party(party_type=party_type, party_id=party_id).exists()


def customer_screen(*, customer) -> ScreeningResult:
    """Screen a customer's profile and record new hits against it."""
    return screen_party(
        name=customer.legal_name,
        date_of_birth=customer.date_of_birth,
        country=customer.country or None,
        entity_type=customer.entity_type,
        party=customer,
    )
