"""The queue pages cost the same number of queries whatever the number of rows (no N+1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fintech.roles import ANALYST
from tests.factories import CustomerFactory, make_staff

from .conftest import make_alert, make_case

pytestmark = pytest.mark.django_db

# Each page is an audited read (fintech.admin_reads): a free audit shard head taken, then the event
# inserted with the head moved in one statement, whatever the rows shown.
AUDITED_READ = 2
PAGES = [
    "/admin/compliance/alert/",
    "/admin/compliance/alert/?severity=high&rule=structuring",
    "/admin/compliance/alert/?assignee=none",
    "/admin/compliance/alert/?age=lt1d",
    "/admin/compliance/case/",
    "/admin/compliance/case/?age=sla_breached",
]


def grow(to_alerts: int, workers) -> None:
    """Alerts spread over customers with cases, assigned round-robin, of two rules and severities."""
    from compliance.monitoring.models import Alert

    while Alert.objects.count() < to_alerts:
        n = Alert.objects.count()
        customer = CustomerFactory()
        case = make_case(customer, assignee=workers[n % len(workers)], age_days=n % 40)
        for i in range(10):
            make_alert(
                customer,
                case=case,
                rule=("structuring", "large_transaction")[i % 2],
                severity=("high", "medium")[i % 2],
            )


def queries(client, url) -> int:
    client.get(url)  # warm: permissions, content types
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("url", PAGES)
def test_the_list_pages_issue_a_bounded_number_of_queries(officer_client, url):
    workers = [make_staff(f"w{i}@example.com", role=ANALYST)[0] for i in range(3)]
    counts = []
    for alerts in (10, 50, 200):  # 10 and 50 rows shown, then a full page of 50 out of 200
        grow(alerts, workers)
        counts.append(queries(officer_client, url))
    assert counts[0] == counts[1] == counts[2], counts
    assert counts[0] <= 16 + AUDITED_READ, counts
