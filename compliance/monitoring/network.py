"""Network typologies: money that goes round a ring of accounts back to where it started.

A *cycle* is a path of transfers a -> b -> ... -> a of 2 to `max_hops` hops, each hop no earlier
than the one before it, all within `window_days` of the first, each moving an amount within
`amount_tolerance` of the first hop's (round-tripping: the same money, less small fees, coming
home). Accounts are those monitoring sees: a customer's own account (`account_id`) and the
counterparty accounts its transfers name; a hop through an account that is not our customer is
followed when another customer's transfer names it as theirs. Every customer who sent money
round the ring is alerted, with the ring's transfers as evidence.

Both modes run the same search (`rings_found`) and keep the rings that meet the same definition
(`ring_valid`): the batch scan over the window's transfers in memory (`window_edges`), the stream
over the neighbourhood of each new transfer gathered from the database (`rings_with`: a few
indexed queries per event). Same search, same definition, same rings.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from compliance.monitoring.models import MonitoredTransaction

DAY = 86400
DEFAULT_PARAMS = {"max_hops": 6, "window_days": 30, "amount_tolerance": 0.1}


@dataclass(frozen=True)
class Edge:
    """One transfer out of an account (a hop)."""

    id: int
    customer_id: int
    source: str  # the sending account
    target: str  # the receiving account
    ts: int  # seconds since the epoch
    amount: int  # minor units (of the sender's currency)


OutEdges = Callable[[str, int, int, int, int], list[Edge]]  # (account, from ts, to ts, min, max amount)


@dataclass(frozen=True)
class Ring:
    edges: tuple[Edge, ...]

    @property
    def customers(self) -> set[int]:
        return {e.customer_id for e in self.edges}

    @property
    def key(self) -> tuple[int, ...]:
        """The same ring whichever hop the search started from."""
        return tuple(sorted(e.id for e in self.edges))


def cycles_through(first: Edge, out_edges: OutEdges, params: dict) -> list[Ring]:
    """Rings whose first hop is `first` (depth-first, bounded by hops, time window and amounts)."""
    max_hops, tolerance = int(params["max_hops"]), float(params["amount_tolerance"])
    end = first.ts + int(params["window_days"] * DAY)
    low, high = int(first.amount * (1 - tolerance)), int(first.amount * (1 + tolerance)) + 1
    rings: list[Ring] = []

    def walk(path: list[Edge], visited: set[str]) -> None:
        last = path[-1]
        for edge in out_edges(last.target, last.ts, end, low, high):
            if edge.target == first.source:
                rings.append(Ring(tuple([*path, edge])))
                continue
            if len(path) + 1 < max_hops and edge.target not in visited:
                walk([*path, edge], visited | {edge.target})

    if first.source and first.target and first.source != first.target:
        walk([first], {first.source, first.target})
    return rings


def rings_found(firsts: Iterable[Edge], out_edges: OutEdges, params: dict) -> list[Ring]:
    """Distinct rings starting at any of `firsts`; a ring of several customers is found once."""
    found: dict[tuple[int, ...], Ring] = {}
    for first in firsts:
        for ring in cycles_through(first, out_edges, params):
            if ring_valid(ring, params):
                found.setdefault(ring.key, ring)
    return list(found.values())


class WindowGraph:
    """Every transfer out of an account in a time range, in memory (the batch scan)."""

    def __init__(self, edges: list[Edge]) -> None:
        self.by_source: dict[str, list[Edge]] = defaultdict(list)
        for edge in sorted(edges, key=lambda e: (e.ts, e.id)):
            self.by_source[edge.source].append(edge)
        self.edges = edges

    def __call__(self, account: str, start: int, end: int, low: int, high: int) -> list[Edge]:
        return [e for e in self.by_source.get(account, ()) if start <= e.ts <= end and low <= e.amount <= high]


def _edge(row) -> Edge:
    pk, customer_id, account, counterparty, occurred_at, amount = row
    return Edge(pk, customer_id, account, counterparty, int(occurred_at.timestamp()), amount)


_FIELDS = ("id", "customer_id", "account_id", "counterparty_account", "occurred_at", "amount")


def window_edges(start: datetime.datetime, end: datetime.datetime) -> list[Edge]:
    """Transfers out of accounts in [start, end) that name both accounts."""
    rows = (
        MonitoredTransaction.objects.filter(direction="out", occurred_at__gte=start, occurred_at__lt=end)
        .exclude(account_id="")
        .exclude(counterparty_account_index="")
        .values_list(*_FIELDS)
    )
    return [_edge(r) for r in rows.iterator(chunk_size=5000)]


def ring_valid(ring: Ring, params: dict) -> bool:
    """The definition, checked on a found ring: 2..max_hops chronological hops closing on the first
    hop's sender, within window_days of the first hop, amounts within tolerance of the first hop's."""
    edges, first = ring.edges, ring.edges[0]
    tolerance = float(params["amount_tolerance"])
    return (
        2 <= len(edges) <= int(params["max_hops"])
        and edges[-1].target == first.source
        and all(a.ts <= b.ts and a.target == b.source for a, b in zip(edges, edges[1:], strict=False))
        and edges[-1].ts - first.ts <= int(params["window_days"] * DAY)
        and all(abs(e.amount - first.amount) <= tolerance * first.amount for e in edges)
    )


def query_edges(**filters) -> list[Edge]:
    rows = (
        MonitoredTransaction.objects.filter(direction="out", **filters)
        .exclude(account_id="")
        .exclude(counterparty_account_index="")
        .values_list(*_FIELDS)
    )
    return [_edge(r) for r in rows]


def stored_edges(ids: list[int]) -> list[Edge]:
    return query_edges(id__in=ids)


def rings_with(new: list[Edge], params: dict) -> list[Ring]:
    """The stream's question: the rings each new transfer belongs to, from what is stored now.

    The hops of a ring before a new hop form a path into its sender, earlier in time; the hops after
    it a path out of its receiver, later. Both are gathered from the database (`neighbourhood`);
    then the batch's own search runs on that neighbourhood: the same definition finds the same rings."""
    if not new:
        return []
    graph = neighbourhood(new, int(params["window_days"] * DAY), params)
    new_ids = {e.id for e in new}
    rings = rings_found(sorted(graph.edges, key=lambda e: (e.ts, e.id)), graph, params)
    return [r for r in rings if new_ids & {e.id for e in r.edges} and ring_valid(r, params)]


def neighbourhood(new: list[Edge], window: int, params: dict) -> WindowGraph:
    """The transfers that can share a path with the new ones: paths into their senders up to `window`
    earlier and out of their receivers up to `window` later, of up to max_hops - 1 hops, of an amount
    comparable to theirs. Gathered level by level for all the new transfers at once (two indexed
    queries per level, by account and time, whatever the batch size)."""
    tolerance = float(params["amount_tolerance"])
    index = MonitoredTransaction._meta.get_field("counterparty_account_index")
    bands = {
        e.id: (int(e.amount * (1 - tolerance) / (1 + tolerance)), int(e.amount * (1 + tolerance) / (1 - tolerance)) + 1)
        for e in new
    }
    back = {e.id: {e.source} for e in new}
    ahead = {e.id: {e.target} for e in new}
    gathered: dict[int, Edge] = {e.id: e for e in new}
    low, high = min(b[0] for b in bands.values()), max(b[1] for b in bands.values())
    first, last = min(e.ts for e in new), max(e.ts for e in new)
    for _ in range(int(params["max_hops"]) - 1):
        accounts = set().union(*back.values())
        into = (
            query_edges(
                counterparty_account_index__in=[index.lookup_value(a) for a in accounts],
                amount__gte=low,
                amount__lte=high,
                occurred_at__gte=utc_at(first - window),
                occurred_at__lte=utc_at(last),
            )
            if accounts
            else []
        )
        accounts = set().union(*ahead.values())
        out = (
            query_edges(
                account_id__in=sorted(accounts),
                amount__gte=low,
                amount__lte=high,
                occurred_at__gte=utc_at(first),
                occurred_at__lte=utc_at(last + window),
            )
            if accounts
            else []
        )
        into_by_target, out_by_source = defaultdict(list), defaultdict(list)
        for h in into:
            into_by_target[h.target].append(h)
        for h in out:
            out_by_source[h.source].append(h)
        for edge in new:
            lo, hi = bands[edge.id]
            before = [
                h
                for a in back[edge.id]
                for h in into_by_target.get(a, ())
                if lo <= h.amount <= hi and edge.ts - window <= h.ts <= edge.ts
            ]
            after = [
                h
                for a in ahead[edge.id]
                for h in out_by_source.get(a, ())
                if lo <= h.amount <= hi and edge.ts <= h.ts <= edge.ts + window
            ]
            back[edge.id] = {h.source for h in before}
            ahead[edge.id] = {h.target for h in after}
            gathered.update((h.id, h) for h in [*before, *after])
        if not any(back.values()) and not any(ahead.values()):
            break
    return WindowGraph(list(gathered.values()))


def utc_at(ts: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(ts, tz=datetime.UTC)
