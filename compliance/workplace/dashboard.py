"""The compliance dashboard's figures: each one GROUP BY query, bounded by a time window
or by the (small) set of open cases, so the page costs the same with a million alerts.

- alerts per day by rule: alerts created in the last `ALERT_DAYS` days;
- open cases by age bucket (since opening);
- false-positive rate per rule: of the same alerts, those whose case was decided (closed
  either way or SAR filed), the share whose case closed as false positive (same scan);
- SLA breaches: open cases past their due date (in total and per assignee), and cases
  decided in the last `ALERT_DAYS` days after their due date.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from compliance.cases.models import Case
from compliance.monitoring.models import Alert

# (value, label, lower bound in days, upper bound in days)
AGE_BUCKETS = (
    ("lt1d", "< 1 day", None, 1),
    ("1-7d", "1-7 days", 1, 7),
    ("7-30d", "7-30 days", 7, 30),
    ("gt30d", "> 30 days", 30, None),
)


def age_bucket_q(field: str, bucket: str, now: datetime.datetime) -> Q | None:
    for value, _label, older_than, younger_than in AGE_BUCKETS:
        if value == bucket:
            q = Q()
            if older_than is not None:
                q &= Q(**{f"{field}__lte": now - datetime.timedelta(days=older_than)})
            if younger_than is not None:
                q &= Q(**{f"{field}__gt": now - datetime.timedelta(days=younger_than)})
            return q
    return None


ALERT_DAYS = 30
DECIDED_STATES = (Case.State.CLOSED_NO_ACTION, Case.State.CLOSED_FALSE_POSITIVE, Case.State.SAR_FILED)


@dataclass
class RuleRate:
    rule_code: str
    decided: int
    false_positive: int

    @property
    def rate(self) -> float:
        return self.false_positive / self.decided if self.decided else 0.0


@dataclass
class Dashboard:
    days: list[datetime.date]
    rules: list[str]
    alerts_per_day: dict[tuple[datetime.date, str], int]  # (day, rule) -> alerts
    open_by_age: list[tuple[str, int]]  # (bucket label, open cases)
    fp_rates: list[RuleRate]
    sla_breached_open: int
    sla_breached_by_assignee: list[tuple[str, int]]
    sla_breached_closed_recently: int
    totals: dict[str, int] = field(default_factory=dict)


def alert_counts(since: datetime.datetime) -> dict[tuple[datetime.date, str], tuple[int, int, int]]:
    """(day, rule) -> (alerts, alerts whose case is decided, of which closed as false positive):
    one scan of the window's alerts (index range on created_at) joined to their cases."""
    rows = (
        Alert.objects.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values("day", "rule_code")
        .annotate(
            n=Count("id"),
            decided=Count("id", filter=Q(case__state__in=DECIDED_STATES)),
            fp=Count("id", filter=Q(case__state=Case.State.CLOSED_FALSE_POSITIVE)),
        )
        .order_by()
    )
    return {(row["day"], row["rule_code"]): (row["n"], row["decided"], row["fp"]) for row in rows}


def false_positive_rates(counts: dict[tuple[datetime.date, str], tuple[int, int, int]]) -> list[RuleRate]:
    per_rule: dict[str, list[int]] = {}
    for (_day, rule), (_n, decided, fp) in counts.items():
        if decided:
            totals = per_rule.setdefault(rule, [0, 0])
            totals[0] += decided
            totals[1] += fp
    return [RuleRate(rule, decided, fp) for rule, (decided, fp) in sorted(per_rule.items())]


def open_cases_by_age(now: datetime.datetime) -> list[tuple[str, int]]:
    aggregates = {value: Count("id", filter=age_bucket_q("opened_at", value, now)) for value, *_ in AGE_BUCKETS}
    counts = Case.objects.filter(state__in=Case.OPEN_STATES).aggregate(**aggregates)
    return [(label, counts[value]) for value, label, *_ in AGE_BUCKETS]


def sla_breaches(now: datetime.datetime, since: datetime.datetime) -> tuple[int, list[tuple[str, int]], int]:
    breached = Case.objects.filter(state__in=Case.OPEN_STATES, sla_due_at__lt=now)
    by_assignee = (
        breached.values("assignee__username").annotate(n=Count("id")).order_by("-n", "assignee__username")[:10]
    )
    closed_late = Case.objects.filter(closed_at__gte=since, closed_at__gt=F("sla_due_at")).count()
    return (
        breached.count(),
        [(row["assignee__username"] or "(unassigned)", row["n"]) for row in by_assignee],
        closed_late,
    )


def dashboard_figures(now: datetime.datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    today = timezone.localdate(now)
    days = [today - datetime.timedelta(days=n) for n in range(ALERT_DAYS - 1, -1, -1)]
    since = timezone.make_aware(datetime.datetime.combine(days[0], datetime.time.min))
    counts = alert_counts(since)
    per_day = {key: n for key, (n, _decided, _fp) in counts.items()}
    breached_open, by_assignee, closed_late = sla_breaches(now, now - datetime.timedelta(days=ALERT_DAYS))
    return Dashboard(
        days=days,
        rules=sorted({rule for _day, rule in per_day}),
        alerts_per_day=per_day,
        open_by_age=open_cases_by_age(now),
        fp_rates=false_positive_rates(counts),
        sla_breached_open=breached_open,
        sla_breached_by_assignee=by_assignee,
        sla_breached_closed_recently=closed_late,
        totals={"alerts_30d": sum(per_day.values())},
    )
