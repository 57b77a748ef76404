"""Network typology: scatter-gather, one source fanning out to intermediaries that all pay one destination.

A *scatter-gather* is a source account sending money to at least `min_intermediaries` distinct
accounts which each pass money on to the same destination account, every transfer within
`window_days` of the first one out of the source, and each intermediary paying the destination no
earlier than it was paid by the source. Spreading money over several hands and collecting it again
hides the link between the two ends. Each customer who sent money along it (the source and the
intermediaries) is alerted with all its transfers as evidence. Accounts are those monitoring sees,
as for cycles (compliance.monitoring.network).

Both modes run the same search (`patterns_from`): the batch scan over the window's transfers in
memory, the stream over the transfers around each new one, gathered with three indexed queries.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass

from compliance.monitoring.models import MonitoredTransaction
from compliance.monitoring.network import DAY, Edge, query_edges, utc_at


@dataclass(frozen=True)
class Pattern:
    edges: tuple[Edge, ...]

    @property
    def customers(self) -> set[int]:
        return {e.customer_id for e in self.edges}

    @property
    def key(self) -> tuple[int, ...]:
        return tuple(sorted(e.id for e in self.edges))


def patterns_from(sources: set[str], edges: list[Edge], params: dict) -> list[Pattern]:
    """Scatter-gathers out of `sources` among `edges`, one per first transfer out of a source
    (anchor) and destination: transfers out of the source within window_days of the anchor, and
    the intermediaries' transfers to one destination within the same window after their receipt."""
    window, needed = int(params["window_days"] * DAY), int(params["min_intermediaries"])
    by_source: dict[str, list[Edge]] = defaultdict(list)
    for e in sorted(edges, key=lambda e: (e.ts, e.id)):
        by_source[e.source].append(e)
    # Each account's outgoing times, in order: a window of its transfers is a bisection away,
    # so a busy account costs the transfers inside each window, not its whole history per anchor.
    times = {account: [e.ts for e in out] for account, out in by_source.items()}
    found: dict[tuple[int, ...], Pattern] = {}
    for source in sources:
        out = by_source.get(source, [])
        for i, anchor in enumerate(out):
            end = anchor.ts + window
            # The anchor's payee must pass money on inside the window: most payees (accounts
            # outside the book, which monitoring never sees paying) end the search here.
            onward = times.get(anchor.target)
            if not onward or bisect_right(onward, end) == bisect_left(onward, anchor.ts):
                continue
            scatter = [e for e in out[i : bisect_right(times[source], end)] if e.target != source]
            received: dict[str, Edge] = {}
            for e in scatter:
                received.setdefault(e.target, e)  # the earliest payment to each intermediary
            if len(received) < needed or received.get(anchor.target) is not anchor:
                continue
            gathered: dict[str, dict[str, list[Edge]]] = defaultdict(lambda: defaultdict(list))
            for middle, paid in received.items():
                forwards = by_source.get(middle, ())
                if not forwards:
                    continue
                at = times[middle]
                for e in forwards[bisect_left(at, paid.ts) : bisect_right(at, end)]:
                    if e.target not in (source, middle):
                        gathered[e.target][middle].append(e)
            for forwards in gathered.values():
                if len(forwards) >= needed and anchor.target in forwards:
                    evidence = [received[m] for m in forwards] + [e for es in forwards.values() for e in es]
                    pattern = Pattern(tuple(sorted(evidence, key=lambda e: (e.ts, e.id))))
                    found.setdefault(pattern.key, pattern)
    return list(found.values())


def patterns_with(new: list[Edge], params: dict) -> list[Pattern]:
    """The stream: scatter-gathers containing one of the new transfers, from what is stored now. A new
    transfer is either out of the source or out of an intermediary (whose sources paid into it)."""
    if not new:
        return []
    window = int(params["window_days"] * DAY)
    first, last = min(e.ts for e in new) - window, max(e.ts for e in new) + window
    index = MonitoredTransaction._meta.get_field("counterparty_account_index")
    span = {"occurred_at__gte": utc_at(first), "occurred_at__lte": utc_at(last)}
    payers = query_edges(counterparty_account_index__in=[index.lookup_value(e.source) for e in new], **span)
    sources = {e.source for e in new} | {e.source for e in payers}
    scatter = query_edges(account_id__in=sorted(sources), **span)
    middles = {e.target for e in scatter}
    gather = query_edges(account_id__in=sorted(middles), **span) if middles else []
    edges = {e.id: e for e in [*new, *scatter, *gather]}
    new_ids = {e.id for e in new}
    return [p for p in patterns_from(sources, list(edges.values()), params) if new_ids & set(p.key)]


def window_patterns(edges: list[Edge], params: dict) -> list[Pattern]:
    """The batch scan: scatter-gathers among the window's transfers."""
    return patterns_from({e.source for e in edges}, edges, params)
