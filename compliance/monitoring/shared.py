"""Network typology: many customers paying the same account, or paid by it (a mule ring).

A *shared counterparty* is one counterparty account (by its blind index) that at least
`min_customers` distinct customers sent money to — or received money from — within `window_days`,
through channels that are not purchases (a shop or a biller that many customers pay is not a
ring). Each of those customers is alerted with the shared account's transfers of all of them as
evidence: the other members of the ring are what makes the pattern.

Both modes use the same definition (`windows_found` over one counterparty's transfers in one
direction, in time order): the batch scan gathers the candidate accounts with one grouped query
over the window, the stream asks the `(counterparty_account_index, occurred_at)` index for the
transfers around each new one. Same rows, same windows, same alerts.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db import connection

from compliance.monitoring.models import MonitoredTransaction

DAY = 86400


@dataclass(frozen=True)
class Movement:
    """One transfer naming a counterparty account."""

    id: int
    customer_id: int
    counterparty: str  # the blind index of the counterparty account
    direction: str
    ts: int  # seconds since the epoch


@dataclass(frozen=True)
class SharedWindow:
    """A counterparty account shared by `customers` within a window, and the transfers that show it."""

    counterparty: str
    direction: str
    movements: tuple[Movement, ...]

    @property
    def customers(self) -> set[int]:
        return {m.customer_id for m in self.movements}

    @property
    def start(self) -> int:
        return min(m.ts for m in self.movements)

    @property
    def end(self) -> int:
        return max(m.ts for m in self.movements)


def windows_found(movements: list[Movement], params: dict) -> list[SharedWindow]:
    """Windows (t - window_days, t] at each transfer in which at least min_customers distinct customers
    used the same counterparty account in the same direction. Overlapping windows are all returned:
    alert episodes merge them per customer."""
    window, needed = int(params["window_days"] * DAY), int(params["min_customers"])
    groups: dict[tuple[str, str], list[Movement]] = defaultdict(list)
    for m in movements:
        groups[(m.counterparty, m.direction)].append(m)
    found = []
    for (counterparty, direction), rows in groups.items():
        rows.sort(key=lambda m: (m.ts, m.id))
        in_window: Counter[int] = Counter()
        start = 0
        for end, m in enumerate(rows):
            in_window[m.customer_id] += 1
            while rows[start].ts <= m.ts - window:
                in_window[rows[start].customer_id] -= 1
                if not in_window[rows[start].customer_id]:
                    del in_window[rows[start].customer_id]
                start += 1
            if len(in_window) >= needed:
                found.append(SharedWindow(counterparty, direction, tuple(rows[start : end + 1])))
    return found


def _excluded(params: dict) -> list[str]:
    return [c.lower() for c in params.get("exclude_channels", [])]


def _directions(params: dict) -> list[str]:
    """`out`: customers paying the account (a collection account); `in`: paid by it (distribution;
    off by default, as a payroll paying many employees looks the same)."""
    return list(params.get("directions", ["in", "out"]))


# Counterparty accounts shared by enough customers anywhere in the range (a cheap superset: the exact
# sliding windows are checked on their transfers afterwards), then those transfers.
_SHARED_SQL = """
    WITH shared AS (
        SELECT counterparty_account_index AS cp, direction
        FROM compliance_monitoredtransaction
        WHERE occurred_at >= %(start)s AND occurred_at < %(end)s AND counterparty_account_index <> ''
          AND NOT (lower(channel) = ANY(%(excluded)s)) AND direction = ANY(%(directions)s)
        GROUP BY counterparty_account_index, direction
        HAVING count(DISTINCT customer_id) >= %(needed)s
    )
    SELECT m.id, m.customer_id, m.counterparty_account_index, m.direction,
           (date_part('epoch', m.occurred_at))::bigint
    FROM compliance_monitoredtransaction m JOIN shared s ON s.cp = m.counterparty_account_index
      AND s.direction = m.direction
    WHERE m.occurred_at >= %(start)s AND m.occurred_at < %(end)s AND NOT (lower(m.channel) = ANY(%(excluded)s))
"""


def period_windows(start: datetime.datetime, end: datetime.datetime, params: dict) -> list[SharedWindow]:
    """The batch scan: shared-counterparty windows ending in [start, end)."""
    window = datetime.timedelta(days=params["window_days"])
    with connection.cursor() as cursor:
        cursor.execute(
            _SHARED_SQL,
            {
                "start": start - window,
                "end": end,
                "excluded": _excluded(params),
                "directions": _directions(params),
                "needed": int(params["min_customers"]),
            },
        )
        movements = [Movement(*row) for row in cursor.fetchall()]
    start_s = int(start.timestamp())
    return [w for w in windows_found(movements, params) if w.movements[-1].ts >= start_s]


def windows_with(transaction_ids: list[int], params: dict) -> list[SharedWindow]:
    """The stream: shared-counterparty windows that contain one of these (new) transactions, from
    what is stored now. A window holding a transfer at t ends within [t, t + window) and starts after
    its end - window: the counterparty's transfers within one window either side of t decide it."""
    excluded, directions = _excluded(params), _directions(params)
    new = [
        Movement(pk, cid, cp, direction, int(at.timestamp()))
        for pk, cid, cp, direction, at, channel in MonitoredTransaction.objects.filter(id__in=transaction_ids)
        .exclude(counterparty_account_index="")
        .values_list("id", "customer_id", "counterparty_account_index", "direction", "occurred_at", "channel")
        if channel.lower() not in excluded and direction in directions
    ]
    if not new:
        return []
    window = datetime.timedelta(days=params["window_days"])
    gathered: dict[int, Movement] = {}
    for counterparty, direction in {(m.counterparty, m.direction) for m in new}:
        times = [m.ts for m in new if (m.counterparty, m.direction) == (counterparty, direction)]
        rows = MonitoredTransaction.objects.filter(
            counterparty_account_index=counterparty,
            direction=direction,
            occurred_at__gt=_at(min(times)) - window,
            occurred_at__lt=_at(max(times)) + window,
        ).values_list("id", "customer_id", "counterparty_account_index", "direction", "occurred_at", "channel")
        for pk, cid, cp, d, at, channel in rows:
            if channel.lower() not in excluded:
                gathered[pk] = Movement(pk, cid, cp, d, int(at.timestamp()))
    new_ids = {m.id for m in new}
    return [w for w in windows_found(list(gathered.values()), params) if new_ids & {m.id for m in w.movements}]


def _at(ts: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(ts, tz=datetime.UTC)
