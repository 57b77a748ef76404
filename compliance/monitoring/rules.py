"""The rule library: one vectorised implementation per typology, shared by batch and stream.

Every rule reads a `TxFrame` (one or many customers' transactions, sorted by
customer, time, id) and says, for each row, whether the rule fires *at* that row,
looking only at that customer's rows up to it. The batch scan evaluates every row
of a period; the stream evaluates the same functions on the customer's recent
history and keeps the rows of the new events. Same function, same data, same answer.

Windows are half-open in seconds: a row at t sees the customer's rows in (t - w, t].
Amount thresholds are minor units of the base currency: `TxFrame.amount` is converted
with the reference rates of `compliance.monitoring.fx` (`native` keeps the original).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

DAY = 86400
PURCHASE_CHANNELS = ["card", "merchant", "pos", "ecommerce", "card_purchase"]
# Channels whose counterparty many customers share for ordinary reasons: shops, billers, cash machines.
SHARED_EXCLUDED_CHANNELS = [*PURCHASE_CHANNELS, "direct_debit", "atm", "cash"]
KEY_SHIFT = 2**34  # seconds since 1970 fit in 34 bits until 2514

DEFAULT_RULES: dict[str, dict] = {
    "large_transaction": {"severity": "medium", "params": {"threshold": 1_000_000}},
    # The US currency-transaction-report threshold ($10,000), in its own currency: structuring is
    # splitting deposits to stay under a reporting threshold, which exists in one jurisdiction's money.
    "structuring": {
        "severity": "high",
        "params": {"threshold": 1_000_000, "currency": "USD", "margin": 0.15, "min_count": 3, "window_hours": 72},
    },
    "velocity": {"severity": "medium", "params": {"max_count": 10, "window_hours": 1}},
    "rapid_movement": {"severity": "high", "params": {"min_in_amount": 500_000, "out_ratio": 0.8, "window_hours": 48}},
    # A counterparty is new when the customer has not used it in history_days; a customer is judged
    # only once monitoring holds min_history_days of its history (before that everything looks new).
    # Purchases (card, merchant) are not payments to people: they never count.
    "fan_in": {
        "severity": "medium",
        "params": {
            "min_counterparties": 10,
            "window_days": 7,
            "history_days": 90,
            "min_history_days": 30,
            "exclude_channels": PURCHASE_CHANNELS,
        },
    },
    "fan_out": {
        "severity": "medium",
        "params": {
            "min_counterparties": 10,
            "window_days": 7,
            "history_days": 90,
            "min_history_days": 30,
            "exclude_channels": PURCHASE_CHANNELS,
        },
    },
    # One payment split into several transfers to the same counterparty within a day (to stay under a
    # limit or a threshold, or to move money through a mule account in pieces). Three pieces fire
    # whatever their amounts; two only when nearly equal (the smaller at least 80% of the larger), as
    # pieces cut from one sum are; paying a friend twice in a day, different sums, is everyday life.
    # Purchases excluded.
    "split_transfers": {
        "severity": "medium",
        "params": {
            "min_count": 2,
            "min_count_known": 3,
            "window_hours": 24,
            "amount_spread": 0.2,
            "exclude_channels": PURCHASE_CHANNELS,
        },
    },
    "round_amounts": {
        "severity": "low",
        "params": {"round_unit": 100_000, "min_amount": 100_000, "min_count": 3, "window_days": 7},
    },
    "high_risk_country": {
        "severity": "high",
        "params": {"countries": ["IR", "KP", "MM", "SY", "YE", "AF"], "min_amount": 0},
    },
    # Any sizeable movement in the first reactivation_days after a quiet spell (a small test payment
    # often comes first).
    "dormant_reactivation": {
        "severity": "medium",
        "params": {"dormant_days": 180, "min_amount": 100_000, "reactivation_days": 7},
    },
    # The account's opening is the customer record's creation, or, for a customer known only from an
    # imported file, its first transaction when that comes min_data_days after the data starts (a
    # customer present from the file's first day is not new: the file merely starts there).
    "new_account_high_value": {
        "severity": "medium",
        "params": {"account_age_days": 30, "min_amount": 500_000, "min_data_days": 14},
    },
    # Network (compliance.monitoring.network): money back at its origin through 2-6 accounts within
    # 60 days, each hop within 10% of the first (fees and skimming keep amounts close, not equal).
    # Sixty days lets money pass several accounts at the pace of monthly statements; in a random
    # book, loops of similar amounts, in time order, that short are rare.
    "cycle": {"severity": "high", "params": {"max_hops": 6, "window_days": 60, "amount_tolerance": 0.1}},
    # Network (compliance.monitoring.shared): four or more customers paying the same account within
    # 7 days, purchases, direct debits and cash excluded: the collection account of a mule ring.
    # Being paid by one account ("directions": ["in"]) is left out by default: an employer pays many.
    # Off by default ("enabled": False): in a book where people pay each other freely (AMLSim) shared
    # counterparties are everyday and the rule alone is far too noisy (precision about 0.06,
    # docs/monitoring.md); an officer switches it on where accounts that many unrelated customers
    # pay are rare outside merchants and billers.
    "shared_counterparty": {
        "severity": "medium",
        "enabled": False,
        "params": {
            "min_customers": 4,
            "window_days": 7,
            "directions": ["out"],
            "exclude_channels": SHARED_EXCLUDED_CHANNELS,
        },
    },
    # Network (compliance.monitoring.layering): money passed on through three or more accounts, each
    # sending it on within 72 hours of receiving it, every hop within 3% of the first. Off by default:
    # in a book of many small transfers, chains of similar amounts arise by chance, and on AMLSim it
    # finds few suspicious accounts at low precision (docs/monitoring.md, measured by make eval).
    "pass_through": {
        "severity": "medium",
        "enabled": False,
        "params": {"min_hops": 3, "max_hops": 6, "dwell_hours": 72, "amount_tolerance": 0.03},
    },
    # Network (compliance.monitoring.scatter): one account pays three or more accounts that each pay
    # the same destination, all within 14 days. Two intermediaries paying a common payee is everyday
    # (a shared landlord, a club); three, all fed by one source first, rarely is.
    "scatter_gather": {"severity": "high", "params": {"min_intermediaries": 3, "window_days": 14}},
}


@dataclass(frozen=True)
class TxFrame:
    """Column arrays of transactions sorted by (customer, occurred_at, id)."""

    id: np.ndarray
    customer: np.ndarray
    ts: np.ndarray  # int64 seconds since the epoch
    amount: np.ndarray  # int64 minor units of the base currency (compliance.monitoring.fx)
    is_in: np.ndarray  # bool
    cp_account: np.ndarray  # int64 codes of (customer, counterparty account); -1 when unknown
    cp_country: np.ndarray  # object
    customer_since: np.ndarray  # int64 seconds: customer creation
    native: np.ndarray  # int64 minor units of the transaction's own currency
    exp_shift: np.ndarray  # int64: the currency's minor-unit exponent minus the base currency's
    channel: np.ndarray  # object: lower-case channel ("" when unknown)
    first_seen: np.ndarray  # int64 seconds: the customer's first transaction monitoring holds
    data_start: int  # seconds: the first transaction monitoring holds at all

    @classmethod
    def from_columns(
        cls,
        *,
        id,
        customer,
        ts_us,
        amount,
        currency,
        is_in,
        cp_account,
        cp_country,
        customer_since,
        channel=None,
        first_seen=None,
        data_start=None,
    ) -> TxFrame:
        """Unsorted column arrays (occurred_at as int64 microseconds since the epoch) to a sorted frame."""
        from compliance.monitoring.fx import to_base_minor

        ids, customers, ts_us = (np.asarray(a, dtype=np.int64) for a in (id, customer, ts_us))
        order = np.lexsort((ids, ts_us, customers))
        accounts = np.asarray(cp_account, dtype=object)[order]
        native = np.asarray(amount, dtype=np.int64)[order]
        base, shift = to_base_minor(native, np.asarray(currency, dtype=object)[order])
        account_codes, _ = pd.factorize(accounts)
        codes, _ = pd.factorize(customers[order] * (int(account_codes.max(initial=0)) + 1) + account_codes)
        codes = np.where(accounts == "", -1, codes).astype(np.int64)
        n = len(ids)
        ts = ts_us[order] // 1_000_000
        channels = (
            np.array([str(c).lower() for c in channel], dtype=object)[order]
            if channel is not None
            else np.full(n, "", dtype=object)
        )
        if first_seen is None:  # the frame's own first row per customer
            first = pd.Series(ts).groupby(customers[order]).transform("min").to_numpy(np.int64) if n else ts
        else:
            first = np.minimum(np.asarray(first_seen, dtype=np.int64)[order], ts) if n else ts
        start = int(data_start) if data_start is not None else (int(first.min()) if n else 0)
        return cls(
            id=ids[order],
            customer=customers[order],
            ts=ts_us[order] // 1_000_000,
            amount=base,
            is_in=np.asarray(is_in, dtype=bool)[order],
            cp_account=codes,
            cp_country=np.asarray(cp_country, dtype=object)[order],
            customer_since=np.asarray(customer_since, dtype=np.int64)[order],
            native=native,
            exp_shift=shift,
            channel=np.asarray(channels, dtype=object),
            first_seen=first,
            data_start=start,
        )

    @classmethod
    def from_dataframe(cls, df: pd.DataFrame) -> TxFrame:
        """Columns: id, customer_id, occurred_at (tz-aware), direction, amount, currency, counterparty_account,
        counterparty_country, customer_since (tz-aware)."""
        return cls.from_columns(
            id=df["id"].to_numpy(np.int64),
            customer=df["customer_id"].to_numpy(np.int64),
            ts_us=_epoch_us(df["occurred_at"]),
            amount=df["amount"].to_numpy(np.int64),
            currency=df["currency"].fillna("").astype(str).to_numpy(object),
            is_in=(df["direction"] == "in").to_numpy(),
            cp_account=df["counterparty_account"].fillna("").astype(str).to_numpy(object),
            cp_country=df["counterparty_country"].fillna("").astype(str).to_numpy(object),
            customer_since=_epoch_us(df["customer_since"]) // 1_000_000,
            channel=df["channel"].fillna("").astype(str).to_numpy(object) if "channel" in df else None,
        )

    def __len__(self) -> int:
        return len(self.id)

    def take(self, mask: np.ndarray) -> TxFrame:
        """The rows of `mask` (order kept)."""
        import dataclasses

        return dataclasses.replace(
            self, **{f.name: getattr(self, f.name)[mask] for f in dataclasses.fields(self) if f.name != "data_start"}
        )

    @property
    def key(self) -> np.ndarray:
        return self.customer * KEY_SHIFT + self.ts


def _epoch_us(column: pd.Series) -> np.ndarray:
    values = pd.to_datetime(column, utc=True)
    unit = np.datetime_data(values.dt.tz_localize(None).dtype)[0]
    per_us = {"s": 1e-6, "ms": 1e-3, "us": 1, "ns": 1000}[unit]
    raw = values.astype("int64").to_numpy(np.int64)
    return raw * int(1 / per_us) if per_us < 1 else raw // int(per_us)


def window_sum(frame: TxFrame, values: np.ndarray, window: int) -> np.ndarray:
    """Sum of `values` over each row's window (t - window, t] of the same customer, up to the row."""
    key = frame.key
    start = np.searchsorted(key, key - window, side="right")
    cumulative = np.concatenate(([0], np.cumsum(values, dtype=np.float64)))
    return cumulative[np.arange(len(key)) + 1] - cumulative[start]


def new_counterparty(frame: TxFrame, mask: np.ndarray, window: int) -> np.ndarray:
    """Rows of `mask` whose counterparty the customer did not use (within `mask`) in the `window` before."""
    order = np.lexsort((np.arange(len(frame)), frame.cp_account))
    codes, ts, selected = frame.cp_account[order], frame.ts[order], mask[order]
    # previous selected row of the same counterparty, in time order
    prev_ts = np.full(len(frame), np.iinfo(np.int64).min // 2, dtype=np.int64)
    sel_idx = np.flatnonzero(selected)
    same = np.zeros(len(sel_idx), dtype=bool)
    same[1:] = codes[sel_idx[1:]] == codes[sel_idx[:-1]]
    prev_ts[sel_idx[1:][same[1:]]] = ts[sel_idx[:-1][same[1:]]]
    is_new = selected & (codes >= 0) & (ts - prev_ts >= window)
    result = np.zeros(len(frame), dtype=bool)
    result[order] = is_new
    return result


@dataclass(frozen=True)
class Firing:
    fired: np.ndarray  # bool per row: the rule fires at this row
    metric: np.ndarray  # float per row: the measured quantity
    threshold: float  # the metric's threshold, for the score
    evidence: np.ndarray  # bool per row: rows that count as evidence
    window: int  # seconds: evidence = evidence rows of the window up to the firing row


def large_transaction(f: TxFrame, p: dict) -> Firing:
    metric = f.amount.astype(np.float64)
    fired = f.amount >= p["threshold"]
    return Firing(fired, metric, p["threshold"], fired, 0)


def structuring(f: TxFrame, p: dict) -> Firing:
    """Several deposits just under the reporting threshold (minor units of `currency`, the threshold's
    jurisdiction's money; the base currency when not given)."""
    threshold = rule_amount(p, "threshold")
    near = f.is_in & (f.amount < threshold) & (f.amount >= threshold * (1 - p["margin"]))
    window = int(p["window_hours"] * 3600)
    count = window_sum(f, near, window)
    return Firing(near & (count >= p["min_count"]), count, p["min_count"], near, window)


def velocity(f: TxFrame, p: dict) -> Firing:
    window = int(p["window_hours"] * 3600)
    count = window_sum(f, np.ones(len(f)), window)
    return Firing(count >= p["max_count"], count, p["max_count"], np.ones(len(f), dtype=bool), window)


def window_min(frame: TxFrame, values: np.ndarray, window: int) -> np.ndarray:
    """Minimum of `values` over each row's window (t - window, t] of the same customer, up to the row
    (a sparse table of minima over runs of 2^k rows ending at each row)."""
    n = len(values)
    if not n:
        return values.astype(np.float64)
    key = frame.key
    start = np.searchsorted(key, key - window, side="right")
    length = np.arange(n) - start + 1
    tables = [values.astype(np.float64)]
    while (1 << len(tables)) <= length.max():
        prev, half = tables[-1], 1 << (len(tables) - 1)
        nxt = prev.copy()
        nxt[half:] = np.minimum(prev[half:], prev[:-half])
        tables.append(nxt)
    table = np.stack(tables)
    level = np.floor(np.log2(length)).astype(np.int64)
    rows = np.arange(n)
    return np.minimum(table[level, rows], table[level, start + (1 << level) - 1])


def rapid_movement(f: TxFrame, p: dict) -> Firing:
    """Pass-through: an inflow of at least min_in_amount, of which at least out_ratio has left again
    by this outflow, within the window. Fires at an outflow when, for some inflow j in its window,
    the outflows after j reach out_ratio x amount_j; outflows before the inflow and unrelated
    income do not count (a busy account with balanced two-way traffic is not a pass-through)."""
    window = int(p["window_hours"] * 3600)
    cum_out = np.cumsum(np.where(f.is_in, 0, f.amount), dtype=np.float64)  # outflows up to and including the row
    eligible = f.is_in & (f.amount >= p["min_in_amount"])
    # Out after inflow j by row i: cum_out[i] - cum_out[j]; needs >= ratio * a_j, i.e.
    # cum_out[i] >= cum_out[j] + ratio * a_j for the cheapest eligible j in the window.
    need = np.where(eligible, cum_out + p["out_ratio"] * f.amount, np.inf)
    fired = ~f.is_in & (cum_out >= window_min(f, need, window))
    money_in = window_sum(f, np.where(f.is_in, f.amount, 0), window)
    money_out = window_sum(f, np.where(f.is_in, 0, f.amount), window)
    ratio = np.divide(money_out, money_in, out=np.zeros(len(f)), where=money_in > 0)
    metric = np.where(fired, np.maximum(ratio, p["out_ratio"]), ratio)
    return Firing(fired, metric, p["out_ratio"], np.ones(len(f), dtype=bool), window)


def _fan(f: TxFrame, p: dict, direction_in: bool) -> Firing:
    """Many counterparties new to the customer within the window. A counterparty is new when the
    customer has not used it (either way) in the `history_days` before; purchases never count; and
    a customer is not judged before monitoring holds `min_history_days` of its history."""
    window = int(p["window_days"] * DAY)
    history = int(p.get("history_days", p["window_days"]) * DAY)
    payments = ~purchases(f, p)
    mask = f.is_in if direction_in else ~f.is_in
    fresh = new_counterparty(f, payments, history) & mask
    count = window_sum(f, fresh, window)
    judged = (f.ts - f.first_seen) >= int(p.get("min_history_days", 0) * DAY)
    return Firing(fresh & judged & (count >= p["min_counterparties"]), count, p["min_counterparties"], fresh, window)


def purchases(f: TxFrame, p: dict) -> np.ndarray:
    """Rows whose channel is a purchase (card, merchant): not a payment to a person or account."""
    excluded = [c.lower() for c in p.get("exclude_channels", [])]
    return np.isin(f.channel.astype(str), excluded) if excluded and len(f) else np.zeros(len(f), dtype=bool)


def rule_amount(p: dict, key: str) -> float:
    """A rule's amount parameter in base-currency minor units: given in `p["currency"]` (the rule's
    jurisdiction's money) when set, converted at the reference rates."""
    from compliance.monitoring.fx import base_currency, minor_factor, rates

    currency = p.get("currency")
    if not currency:
        return float(p[key])
    return float(p[key]) * minor_factor(str(currency).upper(), base_currency(), rates())


def split_transfers(f: TxFrame, p: dict) -> Firing:
    """Several transfers between the customer and the same counterparty, the same way, within the
    window: one payment in pieces. `min_count_known` pieces fire whatever their amounts; from
    `min_count` on, the pieces must be of similar size (the smaller at least 1 - `amount_spread` of
    the larger), as pieces cut to stay under a limit are. Rows without a counterparty account and
    purchases never count."""
    window = int(p["window_hours"] * 3600)
    eligible = (f.cp_account >= 0) & ~purchases(f, p) & (f.id > 0)
    group = np.where(eligible, f.cp_account * 2 + f.is_in, -1)  # cp_account codes are per customer already
    order = np.lexsort((f.id, f.ts, group))
    g, t, ok, amount = group[order], f.ts[order], eligible[order], f.amount[order]
    key = g * KEY_SHIFT + t
    rows = np.arange(len(key))
    cumulative = np.concatenate(([0], np.cumsum(ok)))
    start = np.searchsorted(key, key - window, side="right")
    count = cumulative[rows + 1] - cumulative[start]
    # The piece before, if of the same pair within the window, and whether it is of similar size.
    previous = np.r_[False, (g[1:] == g[:-1]) & (t[1:] - t[:-1] < window)] & ok
    before = np.r_[amount[:1], amount[:-1]]
    spread = float(p.get("amount_spread", 1.0))
    similar = previous & (np.minimum(amount, before) >= (1 - spread) * np.maximum(amount, before))
    fired_sorted = ok & ((count >= p.get("min_count_known", p["min_count"])) | ((count >= p["min_count"]) & similar))
    # Evidence: the pieces of a firing burst (rows with a firing row of their pair within the window after).
    fired_cumulative = np.concatenate(([0], np.cumsum(fired_sorted)))
    end = np.searchsorted(key, key + window, side="left")
    piece = ok & (fired_cumulative[np.maximum(end, rows + 1)] - fired_cumulative[rows] > 0)
    fired, evidence, metric = (np.zeros(len(f), dtype=bool), np.zeros(len(f), dtype=bool), np.zeros(len(f)))
    fired[order], evidence[order], metric[order] = fired_sorted, piece, count
    return Firing(fired, metric, p["min_count"], evidence, window)


def fan_in(f: TxFrame, p: dict) -> Firing:
    return _fan(f, p, True)


def fan_out(f: TxFrame, p: dict) -> Firing:
    return _fan(f, p, False)


def round_amounts(f: TxFrame, p: dict) -> Firing:
    window = int(p["window_days"] * DAY)
    # Round in the transaction's own currency: round_unit (base minor units) at its exponent.
    unit = np.maximum(1, np.rint(p["round_unit"] * 10.0**f.exp_shift)).astype(np.int64)
    is_round = (f.amount >= p["min_amount"]) & (f.native % unit == 0)
    count = window_sum(f, is_round, window)
    return Firing(is_round & (count >= p["min_count"]), count, p["min_count"], is_round, window)


def high_risk_country(f: TxFrame, p: dict) -> Firing:
    fired = np.isin(f.cp_country, [c.upper() for c in p["countries"]]) & (f.amount >= p["min_amount"])
    return Firing(fired, fired.astype(np.float64), 1.0, fired, 0)


def dormant_reactivation(f: TxFrame, p: dict) -> Firing:
    """A sizeable movement within `reactivation_days` of the first movement after a quiet spell of
    `dormant_days`. Needs the customer's previous row (the frame's placeholder gives it)."""
    n = len(f)
    gap = np.full(n, -1, dtype=np.int64)
    same = np.zeros(n, dtype=bool)
    same[1:] = f.customer[1:] == f.customer[:-1]
    gap[1:] = np.where(same[1:], f.ts[1:] - f.ts[:-1], -1)
    wakes = gap >= p["dormant_days"] * DAY
    # For each row, the customer's latest wake-up at or before it (and the quiet spell it ended).
    index = np.where(wakes, np.arange(n), -1)
    last_wake = np.maximum.accumulate(index) if n else index
    segment = np.flatnonzero(~same) if n else np.array([], dtype=np.int64)
    first_row = np.repeat(segment, np.diff(np.r_[segment, n])) if n else segment
    valid = last_wake >= first_row
    wake_ts = np.where(valid, f.ts[np.maximum(last_wake, 0)], np.iinfo(np.int64).min // 2)
    days = np.where(valid, gap[np.maximum(last_wake, 0)] / DAY, 0.0)
    fired = valid & (f.ts - wake_ts <= p.get("reactivation_days", 0) * DAY) & (f.amount >= p["min_amount"])
    return Firing(fired, days, p["dormant_days"], fired, 0)


def new_account_high_value(f: TxFrame, p: dict) -> Firing:
    """A large movement in the account's first `account_age_days`. The opening is the customer
    record's creation when it precedes the first transaction; otherwise (a customer known only from
    a file) the first transaction, if it comes at least `min_data_days` after the data starts."""
    created_first = f.customer_since <= f.first_seen
    opened = np.where(created_first, f.customer_since, f.first_seen)
    known = created_first | (f.first_seen - f.data_start >= p.get("min_data_days", 0) * DAY)
    age_days = (f.ts - opened) / DAY
    fired = known & (age_days >= 0) & (age_days < p["account_age_days"]) & (f.amount >= p["min_amount"])
    return Firing(fired, f.amount.astype(np.float64), p["min_amount"], fired, 0)


RULES: dict[str, Callable[[TxFrame, dict], Firing]] = {
    "large_transaction": large_transaction,
    "structuring": structuring,
    "velocity": velocity,
    "rapid_movement": rapid_movement,
    "fan_in": fan_in,
    "fan_out": fan_out,
    "split_transfers": split_transfers,
    "round_amounts": round_amounts,
    "high_risk_country": high_risk_country,
    "dormant_reactivation": dormant_reactivation,
    "new_account_high_value": new_account_high_value,
}


def lookback_seconds(params_by_code: dict[str, dict]) -> int:
    """History the stream needs before an event so its windows match the batch scan's.

    Twice the longest window (fan rules look back one window from each row of the
    window); dormant_reactivation needs only the previous row, loaded separately.
    """
    longest = 0
    for params in params_by_code.values():
        hours = params.get("window_hours", 0) * 3600
        days = (
            max(params.get("window_days", 0), params.get("history_days", 0) / 2, params.get("reactivation_days", 0) / 2)
            * DAY
        )
        longest = max(longest, int(hours), int(days))
    return 2 * longest
