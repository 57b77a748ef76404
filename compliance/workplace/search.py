"""The officers' fuzzy search: customers, counterparties, transactions and cases, tolerant of typos.

Through PostgreSQL's pg_trgm: a name matches when its trigram similarity to the query
reaches `SIMILARITY` or the query's word similarity to it (best matching part of the name)
reaches `WORD_SIMILARITY`; both are the `%` / `<%` operators, served by the GIN trigram
indexes of migration compliance 0005, so a search reads only the matching rows. Results
are ordered by the larger of the two similarities. Identifiers (customer external id,
transaction source id, case reference) match by substring, through the same indexes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db import connection, transaction
from django.db.models import Count, FloatField, Q
from django.db.models.functions import Greatest

from compliance.cases.models import Case
from compliance.monitoring.models import MonitoredTransaction
from fintech.models import Customer

SIMILARITY = 0.3
WORD_SIMILARITY = 0.5
MIN_QUERY = 3
LIMIT = 20
KINDS = ("customers", "counterparties", "transactions", "cases")


@dataclass(frozen=True)
class Found:
    pk: int | str  # the counterparty's name for counterparties
    label: str
    detail: str
    score: float


def _name_q(field: str, query: str) -> Q:
    return Q(**{f"{field}__trigram_similar": query}) | Q(**{f"{field}__trigram_word_similar": query})


def _name_score(field: str, query: str):
    return Greatest(TrigramSimilarity(field, query), TrigramWordSimilarity(query, field), output_field=FloatField())


def _customers_pg(query: str, limit: int) -> list[Found]:
    rows = (
        Customer.objects.filter(_name_q("legal_name", query) | Q(external_id__contains=query))
        .annotate(score=Greatest(_name_score("legal_name", query), TrigramSimilarity("external_id", query)))
        .order_by("-score", "pk")
        .values_list("pk", "legal_name", "external_id", "score")[:limit]
    )
    return [Found(pk, name, ext, score) for pk, name, ext, score in rows]


def _counterparties_pg(query: str, limit: int) -> list[Found]:
    rows = (
        MonitoredTransaction.objects.filter(_name_q("counterparty_name", query))
        .values("counterparty_name")
        .annotate(n=Count("id"), score=_name_score("counterparty_name", query))
        .order_by("-score", "counterparty_name")[:limit]
    )
    return [Found(r["counterparty_name"], r["counterparty_name"], f"{r['n']} transaction(s)", r["score"]) for r in rows]


def _transactions_pg(query: str, limit: int) -> list[Found]:
    rows = (
        MonitoredTransaction.objects.filter(Q(source_id__contains=query) | _name_q("counterparty_name", query))
        .annotate(score=Greatest(_name_score("counterparty_name", query), TrigramSimilarity("source_id", query)))
        .order_by("-score", "-pk")
        .values_list("pk", "source", "source_id", "counterparty_name", "amount", "currency", "score")[:limit]
    )
    return [
        Found(pk, f"{source}:{source_id}", f"{cp} {amount} {currency} (minor units)", score)
        for pk, source, source_id, cp, amount, currency, score in rows
    ]


def _cases_pg(query: str, limit: int) -> list[Found]:
    customers = Customer.objects.filter(_name_q("legal_name", query)).values("pk")
    rows = (
        Case.objects.filter(Q(reference__contains=query.upper()) | Q(customer__in=customers))
        .annotate(
            score=Greatest(_name_score("customer__legal_name", query), TrigramSimilarity("reference", query.upper()))
        )
        .order_by("-score", "-pk")
        .values_list("pk", "reference", "customer__legal_name", "state", "score")[:limit]
    )
    return [Found(pk, ref, f"{name} ({state})", score) for pk, ref, name, state, score in rows]


def fuzzy_search(query: str, *, kinds: tuple[str, ...] = KINDS, limit: int = LIMIT) -> dict[str, list[Found]]:
    """The best matches of each kind asked for, best first. Queries shorter than MIN_QUERY find nothing."""
    query = " ".join((query or "").split())[:200]
    if len(query) < MIN_QUERY:
        return {kind: [] for kind in kinds}
    searches = {
        "customers": _customers_pg,
        "counterparties": _counterparties_pg,
        "transactions": _transactions_pg,
        "cases": _cases_pg,
    }
    with transaction.atomic():
        with connection.cursor() as cursor:  # thresholds of the % and <% operators, for this transaction only
            cursor.execute(
                "SELECT set_config('pg_trgm.similarity_threshold', %s, true), "
                "set_config('pg_trgm.word_similarity_threshold', %s, true)",
                [str(SIMILARITY), str(WORD_SIMILARITY)],
            )
        return {kind: searches[kind](query, limit) for kind in kinds}
