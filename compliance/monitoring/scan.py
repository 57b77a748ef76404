"""Loading transactions into a `TxFrame` and turning rule firings into alert candidates.

Used by both modes: the batch scan loads a period, the stream loads the recent
history of the customers in a batch of events. Neither issues a query per transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import psycopg
from django.db import connection

from compliance.monitoring import layering, network, scatter, shared
from compliance.monitoring.models import MonitoredTransaction, Rule
from compliance.monitoring.rules import RULES, TxFrame, lookback_seconds

SEVERITY_POINTS = {"low": 25.0, "medium": 50.0, "high": 75.0}
# Across customers: compliance.monitoring.network (cycle), .layering (pass_through), .scatter
# (scatter_gather), .shared (shared_counterparty).
NETWORK_RULES = {"cycle", "pass_through", "scatter_gather", "shared_counterparty"}


@dataclass(frozen=True)
class ActiveRule:
    code: str
    version: int
    params: dict
    severity: str


@dataclass(frozen=True)
class AlertCandidate:
    rule_code: str
    rule_version: int
    customer_id: int
    window_start: datetime.datetime
    window_end: datetime.datetime
    transaction_ids: list[int]
    score: float
    severity: str = "medium"  # of the rule version that fired

    @property
    def episode(self) -> str:
        """The pattern this candidate belongs to: the rule and the customer. An open alert of the same
        episode grows with it (compliance.monitoring.services.alerts.alerts_record) instead of a new one a day."""
        return f"{self.rule_code}:{self.customer_id}"

    @property
    def dedupe_key(self) -> str:
        return self.episode


def candidates_merge(candidates: list[AlertCandidate]) -> list[AlertCandidate]:
    """One candidate per episode: the union of the evidence, the widest window, the highest score.
    Union and maximum do not depend on order, so an episode ends the same whatever the arrival order."""
    merged: dict[str, AlertCandidate] = {}
    for c in candidates:
        seen = merged.get(c.episode)
        if seen is None:
            merged[c.episode] = c
            continue
        merged[c.episode] = AlertCandidate(
            rule_code=c.rule_code,
            rule_version=max(seen.rule_version, c.rule_version),
            customer_id=c.customer_id,
            window_start=min(seen.window_start, c.window_start),
            window_end=max(seen.window_end, c.window_end),
            transaction_ids=sorted(set(seen.transaction_ids) | set(c.transaction_ids)),
            score=max(seen.score, c.score),
            severity=c.severity,
        )
    return list(merged.values())


def active_rules() -> list[ActiveRule]:
    rows = Rule.objects.filter(is_current=True, enabled=True, code__in=[*RULES, *NETWORK_RULES]).order_by("code")
    return [ActiveRule(r.code, r.version, r.params, r.severity) for r in rows]


def load_frame(
    *,
    start: datetime.datetime,
    end: datetime.datetime,
    lookback: int,
    customer_ids: Iterable[int] | None = None,
) -> TxFrame:
    """Rows in [start - lookback, end), plus one placeholder per customer at its last earlier
    transaction (dormant_reactivation needs the gap, nothing else needs older rows)."""
    load_start = start - datetime.timedelta(seconds=lookback)
    ids = None if customer_ids is None else sorted(set(customer_ids))
    return _load_frame_postgresql(load_start, end, ids)


# Epoch microseconds. date_part() is float8, computed from the stored int64 microseconds
# divided by 10^6 and correctly rounded: its error is far below half a microsecond at
# today's epochs, so scaling back and rounding (the bigint cast) gives the microseconds
# exactly, at a fraction of extract()'s numeric arithmetic (numeric since PostgreSQL 14).
_US = "(date_part('epoch', {}) * 1000000)::bigint"
_ROWS_SQL = f"""
    SELECT m.id, m.customer_id, {_US.format("m.occurred_at")}, m.direction = 'in', m.amount, m.currency,
           m.counterparty_account_index, m.counterparty_country, {_US.format("c.created_at")}, m.channel
    FROM compliance_monitoredtransaction m JOIN fintech_customer c ON c.id = m.customer_id
    WHERE m.occurred_at >= %(start)s AND m.occurred_at < %(end)s
    UNION ALL
    SELECT -1, p.customer_id, {_US.format("p.last")}, false, 0, '', '', '', {_US.format("c.created_at")}, ''
    FROM (SELECT customer_id, max(occurred_at) AS last FROM compliance_monitoredtransaction
          WHERE occurred_at < %(start)s GROUP BY customer_id) p JOIN fintech_customer c ON c.id = p.customer_id
"""  # noqa: S608  # nosec B608 - constant SQL, values are parameters
# Some customers: one (customer_id, occurred_at) index range per customer for the window, and one
# backward probe for its previous row, whatever the size of the table. (OFFSET 0 keeps the planner
# from flattening the LATERAL into a scan of every customer's rows of the period.)
_SOME_ROWS_SQL = f"""
    SELECT m.id, c.id, {_US.format("m.occurred_at")}, m.direction = 'in', m.amount, m.currency,
           m.counterparty_account_index, m.counterparty_country, {_US.format("c.created_at")}, m.channel
    FROM fintech_customer c CROSS JOIN LATERAL (
        SELECT id, occurred_at, direction, amount, currency, counterparty_account_index, counterparty_country,
               channel
        FROM compliance_monitoredtransaction
        WHERE customer_id = c.id AND occurred_at >= %(start)s AND occurred_at < %(end)s
        OFFSET 0) m
    WHERE c.id = ANY(%(ids)s::bigint[])
    UNION ALL
    SELECT -1, c.id, {_US.format("p.last")}, false, 0, '', '', '', {_US.format("c.created_at")}, ''
    FROM fintech_customer c CROSS JOIN LATERAL (
        SELECT occurred_at AS last FROM compliance_monitoredtransaction
        WHERE customer_id = c.id AND occurred_at < %(start)s ORDER BY occurred_at DESC LIMIT 1) p
    WHERE c.id = ANY(%(ids)s::bigint[])
"""  # noqa: S608  # nosec B608 - constant SQL, values are parameters


# The rows come back as one array per column: the C array parsers do the work a Python
# transposition of tens of thousands of row tuples did.
_AS_COLUMNS = """
    SELECT array_agg(c0), array_agg(c1), array_agg(c2), array_agg(c3), array_agg(c4), array_agg(c5),
           array_agg(c6), array_agg(c7), array_agg(c8), array_agg(c9)
    FROM ({}) r(c0, c1, c2, c3, c4, c5, c6, c7, c8, c9)
"""
# Each customer's first transaction (the start of the history monitoring holds for it), and the
# first transaction of all: history-aware rules judge nobody on what merely starts with the data.
_FIRST_SEEN_SQL = f"""
    SELECT array_agg(c.id), array_agg({_US.format("f.first")}),
           (SELECT {_US.format("min(occurred_at)")} FROM compliance_monitoredtransaction)
    FROM unnest(%(ids)s::bigint[]) c(id) CROSS JOIN LATERAL (
        SELECT occurred_at AS first FROM compliance_monitoredtransaction
        WHERE customer_id = c.id ORDER BY occurred_at LIMIT 1) f
"""  # noqa: S608  # nosec B608 - constant SQL, values are parameters


def _fetch_binary_row(sql: str, params: dict) -> tuple:
    """The one row of `sql`, in PostgreSQL's binary format: arrays of integers come back
    without the decimal text psycopg would otherwise parse. Django's cursors bind on the
    client, which cannot ask for binary results, so this is a psycopg cursor on the same
    connection (the same transaction)."""
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        # Never prepared (DB_PREPARE_THRESHOLD): a prepared statement may settle on a generic plan,
        # blind to how wide the time window is, and planning is nothing beside the scan itself.
        cursor.execute(sql, params, binary=True, prepare=False)
        return cursor.fetchone()


def _load_frame_postgresql(load_start: datetime.datetime, end: datetime.datetime, ids: list[int] | None) -> TxFrame:
    """load_frame on PostgreSQL: one query of column arrays, no model instances, no datetime objects."""
    if ids is None:
        row = _fetch_binary_row(_AS_COLUMNS.format(_ROWS_SQL), {"start": load_start, "end": end})
    else:
        # ids as one array literal: psycopg adapts a list of ints element by element, in Python
        literal = "{" + ",".join(map(str, ids)) + "}"
        row = _fetch_binary_row(_AS_COLUMNS.format(_SOME_ROWS_SQL), {"start": load_start, "end": end, "ids": literal})
    columns = [c if c is not None else [] for c in row]  # array_agg of no rows is NULL
    ints = {i: np.array(columns[i], dtype=np.int64) for i in (0, 1, 2, 4, 8)}
    first_seen, data_start = _first_seen(ints[1])
    return TxFrame.from_columns(
        id=ints[0],
        customer=ints[1],
        ts_us=ints[2],
        is_in=np.array(columns[3], dtype=bool),
        amount=ints[4],
        currency=np.array(columns[5], dtype=object),
        cp_account=np.array(columns[6], dtype=object),
        cp_country=np.array(columns[7], dtype=object),
        customer_since=ints[8] // 1_000_000,
        channel=np.array(columns[9], dtype=object),
        first_seen=first_seen,
        data_start=data_start,
    )


def _first_seen(customers: np.ndarray) -> tuple[np.ndarray, int | None]:
    """Per row, its customer's first transaction (seconds); and the data's first transaction."""
    ids = np.unique(customers)
    if not len(ids):
        return np.zeros(0, dtype=np.int64), None
    literal = "{" + ",".join(map(str, ids.tolist())) + "}"
    found, first, start = _fetch_binary_row(_FIRST_SEEN_SQL, {"ids": literal})
    by_customer = dict(zip(found or [], first or [], strict=True))
    return (
        np.array([by_customer.get(int(c), 0) for c in customers], dtype=np.int64) // 1_000_000,
        None if start is None else int(start) // 1_000_000,
    )


def evaluate(frame: TxFrame, rules: list[ActiveRule], keep: np.ndarray) -> list[AlertCandidate]:
    """Alert candidates at the rows of `keep`: every firing row (episodes merge them per customer)."""
    candidates: list[AlertCandidate] = []
    if not len(frame):
        return candidates
    key = frame.key
    for rule in rules:
        if rule.code not in RULES:
            continue
        firing = RULES[rule.code](frame, rule.params)
        rows = np.flatnonzero(firing.fired & keep & (frame.id > 0))
        if not len(rows):
            continue
        for i in rows:
            start = int(np.searchsorted(key, key[i] - firing.window, side="right"))
            span = np.arange(start, i + 1)
            evidence = span[firing.evidence[span] & (frame.id[span] > 0)]
            ids = sorted({int(x) for x in frame.id[evidence]} | {int(frame.id[i])})
            first_ts = int(frame.ts[evidence].min()) if len(evidence) else int(frame.ts[i])
            ratio = float(firing.metric[i]) / firing.threshold if firing.threshold else 1.0
            score = SEVERITY_POINTS.get(rule.severity, 50.0) + min(25.0, max(0.0, 25.0 * (ratio - 1.0)))
            candidates.append(
                AlertCandidate(
                    rule_code=rule.code,
                    rule_version=rule.version,
                    customer_id=int(frame.customer[i]),
                    window_start=datetime.datetime.fromtimestamp(first_ts, tz=datetime.UTC),
                    window_end=datetime.datetime.fromtimestamp(int(frame.ts[i]), tz=datetime.UTC),
                    transaction_ids=ids,
                    score=round(score, 2),
                    severity=rule.severity,
                )
            )
    return candidates


def scan_period(*, start: datetime.datetime, end: datetime.datetime) -> list[AlertCandidate]:
    """Every rule over every customer's transactions in [start, end)."""
    rules = active_rules()
    customer_rules = [r for r in rules if r.code in RULES]
    frame = load_frame(start=start, end=end, lookback=lookback_seconds({r.code: r.params for r in customer_rules}))
    candidates = evaluate(frame, customer_rules, frame.ts >= int(start.timestamp()))
    for rule in rules:
        if rule.code in NETWORK_RULES:
            candidates += network_period(rule, start=start, end=end)
    return candidates


def network_period(rule: ActiveRule, *, start: datetime.datetime, end: datetime.datetime) -> list[AlertCandidate]:
    """A network rule's alert candidates for patterns completed in [start, end)."""
    start_s = int(start.timestamp())
    if rule.code == "cycle":
        window = datetime.timedelta(days=rule.params["window_days"])
        edges = network.window_edges(start - window, end)
        graph = network.WindowGraph(edges)
        rings = network.rings_found(sorted(edges, key=lambda e: (e.ts, e.id)), graph, rule.params)
        return ring_candidates([r for r in rings if max(e.ts for e in r.edges) >= start_s], rule)
    if rule.code == "pass_through":
        window = datetime.timedelta(hours=rule.params["max_hops"] * rule.params["dwell_hours"])
        chains = layering.chains_found(network.window_edges(start - window, end), rule.params)
        return ring_candidates([c for c in chains if c.edges[-1].ts >= start_s], rule)
    if rule.code == "scatter_gather":
        window = datetime.timedelta(days=rule.params["window_days"])
        patterns = scatter.window_patterns(network.window_edges(start - window, end), rule.params)
        return ring_candidates([p for p in patterns if p.edges[-1].ts >= start_s], rule)
    if rule.code == "shared_counterparty":
        return shared_candidates(shared.period_windows(start, end, rule.params), rule)
    return []


def shared_candidates(windows: list[shared.SharedWindow], rule: ActiveRule) -> list[AlertCandidate]:
    """One candidate per customer of a shared-counterparty window; the evidence is every member's
    transfers with that account in the window. The score grows with the number of members."""
    needed = int(rule.params["min_customers"])
    candidates = []
    for window in windows:
        members = window.customers
        score = SEVERITY_POINTS.get(rule.severity, 50.0) + min(25.0, 5.0 * (len(members) - needed))
        ids = sorted(m.id for m in window.movements)
        for customer_id in sorted(members):
            candidates.append(
                AlertCandidate(
                    rule_code=rule.code,
                    rule_version=rule.version,
                    customer_id=customer_id,
                    window_start=datetime.datetime.fromtimestamp(window.start, tz=datetime.UTC),
                    window_end=datetime.datetime.fromtimestamp(window.end, tz=datetime.UTC),
                    transaction_ids=ids,
                    score=score,
                    severity=rule.severity,
                )
            )
    return candidates


def ring_candidates(rings: list[network.Ring] | list[scatter.Pattern], rule: ActiveRule) -> list[AlertCandidate]:
    """One candidate per customer who sent money along a ring (or a pass-through chain); its transfers
    are the evidence. The score grows with the path's length (more accounts, more deliberate)."""
    candidates = []
    for ring in rings:
        hops = len(ring.edges)
        score = SEVERITY_POINTS.get(rule.severity, 50.0) + min(25.0, 5.0 * (hops - 2))
        for customer_id in sorted(ring.customers):
            candidates.append(
                AlertCandidate(
                    rule_code=rule.code,
                    rule_version=rule.version,
                    customer_id=customer_id,
                    window_start=datetime.datetime.fromtimestamp(ring.edges[0].ts, tz=datetime.UTC),
                    window_end=datetime.datetime.fromtimestamp(ring.edges[-1].ts, tz=datetime.UTC),
                    transaction_ids=sorted(e.id for e in ring.edges),
                    score=score,
                    severity=rule.severity,
                )
            )
    return candidates


def scan_new_transactions(
    transaction_ids: list[int], events: list[tuple[int, datetime.datetime]] | None = None
) -> list[AlertCandidate]:
    """Every rule at the given (new) transactions, over their customers' recent history.

    `events` are the (customer_id, occurred_at) of those transactions when the caller has them.
    A transaction older than others already stored for its customer (out of order) is evaluated
    against the history as of its time, and the customer's later rows within the longest window
    are evaluated again: the windows it joins may fire now (the alert dedupe key keeps repeats out).
    """
    if not transaction_ids:
        return []
    if events is None:
        events = list(
            MonitoredTransaction.objects.filter(id__in=transaction_ids).values_list("customer_id", "occurred_at")
        )
    if not events:
        return []
    rules = active_rules()
    customer_rules = [r for r in rules if r.code in RULES]
    lookback = lookback_seconds({r.code: r.params for r in customer_rules})
    start = min(at for _, at in events)
    end = max(at for _, at in events) + datetime.timedelta(seconds=lookback // 2 + 1)
    frame = load_frame(start=start, end=end, lookback=lookback, customer_ids={cid for cid, _ in events})
    keep = _from_first_new_row(frame, np.asarray(transaction_ids, dtype=np.int64))
    candidates = evaluate(frame, customer_rules, keep)
    for rule in rules:
        if rule.code == "cycle":
            new_edges = network.stored_edges(list(transaction_ids))
            if new_edges:
                candidates += ring_candidates(network.rings_with(new_edges, rule.params), rule)
        elif rule.code == "pass_through":
            new_edges = network.stored_edges(list(transaction_ids))
            if new_edges:
                candidates += ring_candidates(layering.chains_with(new_edges, rule.params), rule)
        elif rule.code == "scatter_gather":
            new_edges = network.stored_edges(list(transaction_ids))
            if new_edges:
                candidates += ring_candidates(scatter.patterns_with(new_edges, rule.params), rule)
        elif rule.code == "shared_counterparty":
            candidates += shared_candidates(shared.windows_with(list(transaction_ids), rule.params), rule)
    return candidates


def _from_first_new_row(frame: TxFrame, transaction_ids: np.ndarray) -> np.ndarray:
    """Rows at or after each customer's first new row (frame order: customer, time, id)."""
    new = np.isin(frame.id, transaction_ids)
    seen = np.cumsum(new)
    segment_start = np.flatnonzero(np.r_[True, frame.customer[1:] != frame.customer[:-1]]) if len(frame) else []
    before = np.repeat(seen[segment_start] - new[segment_start], np.diff(np.r_[segment_start, len(frame)]))
    return (seen - before) > 0
