"""Loading transactions into a `TxFrame` and turning rule firings into alert candidates.

Used by both modes: the batch scan loads a period, the stream loads the recent
history of the customers in a batch of events. Neither issues a query per transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db.models import Max, OuterRef, Subquery

from compliance.models import MonitoredTransaction, Rule
from compliance.monitoring.rules import DAY, RULES, TxFrame, lookback_seconds
from fintech.models import Customer

COLUMNS = ["id", "customer_id", "occurred_at", "direction", "amount", "counterparty_account",
           "counterparty_country", "customer_since"]
SEVERITY_POINTS = {"low": 25.0, "medium": 50.0, "high": 75.0}


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

    @property
    def dedupe_key(self) -> str:
        # One alert per rule, customer and day of the firing transaction.
        return f"{self.rule_code}:{self.customer_id}:{self.window_end.date().isoformat()}"


def active_rules() -> list[ActiveRule]:
    rows = Rule.objects.filter(is_current=True, enabled=True, code__in=list(RULES)).order_by("code")
    return [ActiveRule(r.code, r.version, r.params, r.severity) for r in rows]


def load_frame(
    *, start: datetime.datetime, end: datetime.datetime, lookback: int, customer_ids: Iterable[int] | None = None,
) -> TxFrame:
    """Rows in [start - lookback, end), plus one placeholder per customer at its last earlier
    transaction (dormant_reactivation needs the gap, nothing else needs older rows)."""
    load_start = start - datetime.timedelta(seconds=lookback)
    qs = MonitoredTransaction.objects.filter(occurred_at__gte=load_start, occurred_at__lt=end)
    earlier = MonitoredTransaction.objects.filter(occurred_at__lt=load_start)
    if customer_ids is not None:
        ids = sorted(set(customer_ids))
        qs = qs.filter(customer_id__in=ids)
    rows = list(qs.values_list("id", "customer_id", "occurred_at", "direction", "amount", "counterparty_account",
                               "counterparty_country", "customer__created_at"))
    if customer_ids is None:
        last = earlier.values("customer_id").annotate(last=Max("occurred_at"))
        found = last.values_list("customer_id", "last", "customer__created_at")
    else:
        # One index probe per customer (customer, occurred_at), not an aggregate over its history.
        newest = (MonitoredTransaction.objects.filter(customer_id=OuterRef("pk"), occurred_at__lt=load_start)
                  .order_by("-occurred_at").values("occurred_at")[:1])
        found = (Customer.objects.filter(pk__in=ids).annotate(last=Subquery(newest)).filter(last__isnull=False)
                 .values_list("pk", "last", "created_at"))
    previous = [(-1, cid, at, "out", 0, "", "", since) for cid, at, since in found]
    df = pd.DataFrame(rows + previous, columns=COLUMNS)
    if df.empty:
        df = df.astype({"id": "int64", "customer_id": "int64", "amount": "int64"})
        df["occurred_at"] = pd.to_datetime(df["occurred_at"], utc=True)
        df["customer_since"] = pd.to_datetime(df["customer_since"], utc=True)
    return TxFrame.from_dataframe(df)


def evaluate(frame: TxFrame, rules: list[ActiveRule], keep: np.ndarray) -> list[AlertCandidate]:
    """Alert candidates at the rows of `keep`: per rule, the first firing row per customer and day."""
    candidates: list[AlertCandidate] = []
    if not len(frame):
        return candidates
    key = frame.key
    for rule in rules:
        firing = RULES[rule.code](frame, rule.params)
        rows = np.flatnonzero(firing.fired & keep & (frame.id > 0))
        if not len(rows):
            continue
        day = frame.ts[rows] // DAY
        first = pd.DataFrame({"c": frame.customer[rows], "d": day}).duplicated().to_numpy()
        for i in rows[~first]:
            start = int(np.searchsorted(key, key[i] - firing.window, side="right"))
            span = np.arange(start, i + 1)
            evidence = span[firing.evidence[span] & (frame.id[span] > 0)]
            ids = sorted({int(x) for x in frame.id[evidence]} | {int(frame.id[i])})
            first_ts = int(frame.ts[evidence].min()) if len(evidence) else int(frame.ts[i])
            ratio = float(firing.metric[i]) / firing.threshold if firing.threshold else 1.0
            score = SEVERITY_POINTS.get(rule.severity, 50.0) + min(25.0, max(0.0, 25.0 * (ratio - 1.0)))
            candidates.append(AlertCandidate(
                rule_code=rule.code, rule_version=rule.version, customer_id=int(frame.customer[i]),
                window_start=datetime.datetime.fromtimestamp(first_ts, tz=datetime.UTC),
                window_end=datetime.datetime.fromtimestamp(int(frame.ts[i]), tz=datetime.UTC),
                transaction_ids=ids, score=round(score, 2),
            ))
    return candidates


def scan_period(*, start: datetime.datetime, end: datetime.datetime) -> list[AlertCandidate]:
    """Every rule over every customer's transactions in [start, end)."""
    rules = active_rules()
    frame = load_frame(start=start, end=end, lookback=lookback_seconds({r.code: r.params for r in rules}))
    start_s = int(start.timestamp())
    return evaluate(frame, rules, frame.ts >= start_s)


def scan_new_transactions(transaction_ids: list[int]) -> list[AlertCandidate]:
    """Every rule at the given (new) transactions, over their customers' recent history."""
    if not transaction_ids:
        return []
    events = list(MonitoredTransaction.objects.filter(id__in=transaction_ids).values_list("customer_id", "occurred_at"))
    if not events:
        return []
    rules = active_rules()
    start = min(at for _, at in events)
    end = max(at for _, at in events) + datetime.timedelta(seconds=1)
    frame = load_frame(start=start, end=end, lookback=lookback_seconds({r.code: r.params for r in rules}),
                       customer_ids={cid for cid, _ in events})
    return evaluate(frame, rules, np.isin(frame.id, np.asarray(transaction_ids, dtype=np.int64)))
