"""Network typology: layering, money passed on through a chain of accounts (A -> B -> C -> D).

A *pass-through chain* is a path of at least `min_hops` transfers through distinct accounts where
each account sends the money on within `dwell_hours` of receiving it, every hop moving an amount
within `amount_tolerance` of the first hop's (the same money, less small fees). Each customer who
passed the money on is alerted with the whole chain as evidence. Accounts are those monitoring sees,
as for cycles (compliance.monitoring.network): the customer's own account and the counterparty
accounts its transfers name.

The same search runs in both modes: the batch scan over the window's transfers in memory, the
stream over each new transfer's neighbourhood gathered from the database (network.neighbourhood).
"""

from __future__ import annotations

from compliance.monitoring.network import Edge, OutEdges, Ring, WindowGraph, neighbourhood


def chains_from(first: Edge, out_edges: OutEdges, params: dict) -> list[Ring]:
    """The longest chains (up to max_hops) that start with `first` and have at least min_hops hops."""
    min_hops, max_hops = int(params["min_hops"]), int(params["max_hops"])
    dwell, tolerance = int(params["dwell_hours"] * 3600), float(params["amount_tolerance"])
    low, high = int(first.amount * (1 - tolerance)), int(first.amount * (1 + tolerance)) + 1
    chains: list[Ring] = []

    def walk(path: list[Edge], visited: set[str]) -> None:
        last = path[-1]
        extended = False
        if len(path) < max_hops:
            for edge in out_edges(last.target, last.ts, last.ts + dwell, low, high):
                if edge.target not in visited:
                    extended = True
                    walk([*path, edge], visited | {edge.target})
        if not extended and len(path) >= min_hops:
            chains.append(Ring(tuple(path)))

    if first.source and first.target and first.source != first.target:
        walk([first], {first.source, first.target})
    return chains


def chain_valid(chain: Ring, params: dict) -> bool:
    """The definition, checked on a found chain."""
    edges, first = chain.edges, chain.edges[0]
    dwell, tolerance = int(params["dwell_hours"] * 3600), float(params["amount_tolerance"])
    accounts = [first.source, *(e.target for e in edges)]
    return (
        int(params["min_hops"]) <= len(edges) <= int(params["max_hops"])
        and len(set(accounts)) == len(accounts)
        and all(a.target == b.source and 0 <= b.ts - a.ts <= dwell for a, b in zip(edges, edges[1:], strict=False))
        and all(abs(e.amount - first.amount) <= tolerance * first.amount for e in edges)
    )


def chains_found(edges: list[Edge], params: dict) -> list[Ring]:
    """Distinct valid chains starting at any of `edges` (the batch scan's window)."""
    graph = WindowGraph(edges)
    found: dict[tuple[int, ...], Ring] = {}
    for first in sorted(edges, key=lambda e: (e.ts, e.id)):
        for chain in chains_from(first, graph, params):
            if chain_valid(chain, params):
                found.setdefault(chain.key, chain)
    return list(found.values())


def chains_with(new: list[Edge], params: dict) -> list[Ring]:
    """The stream: chains that contain one of the new transfers, from what is stored now."""
    if not new:
        return []
    graph = neighbourhood(new, int(params["max_hops"] * params["dwell_hours"] * 3600), params)
    new_ids = {e.id for e in new}
    return [c for c in chains_found(graph.edges, params) if new_ids & {e.id for e in c.edges}]
