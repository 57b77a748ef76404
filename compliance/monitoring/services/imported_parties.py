"""Screening the parties an import brings in: customers created from external ids, and counterparties.

Runs after each import batch has committed, set-wise: two queries load the batch's new
customers and its distinct counterparty names, and each distinct name is screened once
(in memory, against the current list index). A counterparty hit is recorded against the
first imported transaction that names it (party type `compliance.MonitoredTransaction`),
pending review like any hit. Screening never rejects or holds back an imported row.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Min

from compliance.monitoring.models import MonitoredTransaction
from compliance.screening.services import customer_screen, screen_party
from fintech.models import Customer


@dataclass
class ImportScreening:
    screened: int = 0
    hits: int = 0


def imported_parties_screen(
    *, customer_ids: list[int], transaction_ids: list[int], already_screened: set[str] | None = None
) -> ImportScreening:
    """Screen the new customers and the counterparties named by the new transactions.
    `already_screened` (counterparty names, normalised) is updated, so a file screens each name once."""
    seen = already_screened if already_screened is not None else set()
    result = ImportScreening()
    for customer in Customer.objects.filter(pk__in=customer_ids).order_by("pk"):
        outcome = customer_screen(customer=customer)
        result.screened += 1
        result.hits += len(outcome.new_hit_ids)
    first_by_name = (
        MonitoredTransaction.objects.filter(pk__in=transaction_ids)
        .exclude(counterparty_name="")
        .values("counterparty_name", "counterparty_country")
        .annotate(first=Min("pk"))
    )
    firsts: dict[tuple[str, str], int] = {}
    for row in first_by_name:
        key = (" ".join(row["counterparty_name"].split()).casefold(), row["counterparty_country"])
        if key[0] not in seen:
            firsts[key] = min(row["first"], firsts.get(key, row["first"]))
    parties = MonitoredTransaction.objects.in_bulk(list(firsts.values()))
    for (name, country), pk in sorted(firsts.items(), key=lambda item: item[1]):
        party = parties[pk]
        outcome = screen_party(name=party.counterparty_name, country=country or None, party=party)
        seen.add(name)
        result.screened += 1
        result.hits += len(outcome.new_hit_ids)
    return result
