"""A changelist paginator whose count stays cheap on tables of millions of rows.

The admin counts the filtered queryset on every list page; `SELECT COUNT(*)` over a
million alerts costs a full (index) scan each time. This paginator instead:

- unfiltered: reads the planner's estimate (`pg_class.reltuples`, kept
  fresh by autovacuum/ANALYZE) when it is at least `COUNT_CAP`; a smaller table is
  counted exactly, so small installations and tests see exact figures;
- filtered: counts at most `COUNT_CAP + 1` rows
  (`SELECT COUNT(*) FROM (SELECT ... LIMIT n)`), so the cost is bounded by the cap
  and the list says "more than 10,000" beyond it.

Pages past the cap are not reachable by page number: narrow the filters instead.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

COUNT_CAP = 10_000


def estimated_row_count(model, using: str = "default") -> int | None:
    """The planner's row estimate for the model's table, or None if unknown (never analysed)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [connection.ops.quote_name(model._meta.db_table)],
        )
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None and row[0] >= 0 else None


class EstimatedCountPaginator(Paginator):
    count_cap = COUNT_CAP
    estimated = False  # the count is the planner's estimate
    capped = False  # there are more rows than the count says

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not queryset.query.where:
            estimate = estimated_row_count(queryset.model, queryset.db)
            if estimate is not None and estimate >= self.count_cap:
                self.estimated = True
                return estimate
        counted = queryset.order_by()[: self.count_cap + 1].count()
        if counted > self.count_cap:
            self.capped = True
            return self.count_cap
        return counted

    @property
    def count_label(self) -> str:
        count = self.count
        if self.capped:
            return f"more than {count:,}"
        if self.estimated:
            return f"about {count:,}"
        return f"{count:,}"
