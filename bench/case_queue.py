"""The officers' queue pages over a million alerts: p50/p95 response times (target p95 <= 300 ms).

Generates, set-wise in SQL (generate_series, no ORM loops), BENCH_ALERTS alerts (default
1,000,000) over BENCH_QUEUE_CUSTOMERS customers (default 10,000), each customer with an
open case (assigned round-robin to five analysts, a fifth unassigned) and half of them
with a closed one too; alerts spread over a year, ten rules, three severities. Then it
logs an officer in through the real admin login form (password + TOTP) with Django's
test Client and times each page BENCH_QUEUE_REQUESTS times (default 30) after a warm-up.

The bench's rows are its own (customers `benchq_*` with their cases and alerts): they are
deleted before and after the run (BENCH_QUEUE_KEEP=1 keeps them for a look in the admin),
so other benchmarks and the demo data are untouched. The bench's staff (`benchq-*`) and
the audit events of its logins and case-page views stay: the trail is append-only.
"""

from __future__ import annotations

import os
import statistics
import time

TARGET_MS = 300
ANALYSTS = 5
PREFIX = "benchq"
RULES = [
    ("large_transaction", "medium"),
    ("structuring", "high"),
    ("velocity", "medium"),
    ("rapid_movement", "high"),
    ("fan_in", "medium"),
    ("fan_out", "medium"),
    ("round_amounts", "low"),
    ("high_risk_country", "high"),
    ("dormant_reactivation", "medium"),
    ("new_account_high_value", "medium"),
]
FIRST = ["John", "Maria", "Ahmed", "Wei", "Olga", "Carlos", "Aisha", "Peter", "Fatima", "Luca", "Sofia", "Jan"]
LAST = [
    "Smith",
    "Gonzalez",
    "Khan",
    "Chen",
    "Petrova",
    "Silva",
    "Okafor",
    "Muller",
    "Haddad",
    "Rossi",
    "Novak",
    "Jensen",
    "Brown",
    "Tanaka",
]


BENCH_PASSWORD = "bench-password-1"  # noqa: S105  # nosec B105 - a throwaway local bench account


def _cleanup(cursor) -> None:
    customers = f"SELECT id FROM fintech_customer WHERE external_id LIKE '{PREFIX}\\_%'"  # noqa: S608 - constant  # nosec B608
    cursor.execute(f"DELETE FROM compliance_alert WHERE customer_id IN ({customers})")  # noqa: S608  # nosec B608 - constant SQL
    cursor.execute(f"DELETE FROM compliance_case WHERE customer_id IN ({customers})")  # noqa: S608  # nosec B608 - constant SQL
    cursor.execute(f"DELETE FROM fintech_customer WHERE id IN ({customers})")  # noqa: S608  # nosec B608 - constant SQL


def _staff():
    """The bench's officer (with a TOTP device) and analysts, reused from run to run: staff
    accounts are never deleted (the audit trail names them)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from fintech.models import StaffTOTPDevice
    from fintech.roles import ANALYST, COMPLIANCE_OFFICER

    users = get_user_model().objects
    officer, _ = users.get_or_create(username=f"{PREFIX}-officer", defaults={"is_staff": True})
    officer.set_password(BENCH_PASSWORD)
    officer.save()
    officer.groups.add(Group.objects.get(name=COMPLIANCE_OFFICER))
    device = StaffTOTPDevice.objects.filter(user=officer, confirmed=True).first() or StaffTOTPDevice.objects.create(
        user=officer, name="bench", confirmed=True
    )
    analysts = []
    for i in range(ANALYSTS):
        analyst, _ = users.get_or_create(username=f"{PREFIX}-analyst{i}", defaults={"is_staff": True})
        analyst.groups.add(Group.objects.get(name=ANALYST))
        analysts.append(analyst.pk)
    return officer, device, analysts


def _generate(cursor, *, n_alerts: int, n_customers: int, analysts: list[int]) -> None:
    first = "ARRAY[" + ",".join(f"'{n}'" for n in FIRST) + "]"
    last = "ARRAY[" + ",".join(f"'{n}'" for n in LAST) + "]"
    cursor.execute(f"""
        INSERT INTO fintech_customer (external_id, legal_name, email, email_index, entity_type, country, national_id,
            national_id_index, risk_rating, risk_score, status, created_at, updated_at)
        SELECT '{PREFIX}_' || g, ({first})[1 + g % {len(FIRST)}] || ' ' || ({last})[1 + (g / 7) % {len(LAST)}]
               || ' ' || g, '', '', 'individual', 'GB', '', '', 'low', 0, 'active', now(), now()
        FROM generate_series(1, {int(n_customers)}) g""")  # noqa: S608 - constants  # nosec B608
    assignees = "ARRAY[" + ",".join(str(a) for a in analysts) + ", NULL]::integer[]"
    # open cases: one per customer, opened 0-60 days ago (30-day SLA: about half breached)
    cursor.execute(f"""
        INSERT INTO compliance_case (reference, state, opened_at, sla_due_at, closed_at, updated_at, assignee_id,
            customer_id)
        SELECT 'BQ-O' || lpad(c.rn::text, 7, '0'), (ARRAY['new','in_review','escalated'])[1 + c.rn % 3],
               o.opened, o.opened + interval '30 days', NULL, now(), ({assignees})[1 + c.rn % {len(analysts) + 1}],
               c.id
        FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM fintech_customer
              WHERE external_id LIKE '{PREFIX}\\_%') c
        CROSS JOIN LATERAL (SELECT now() - (c.rn % 60) * interval '1 day' - interval '1 hour' AS opened) o
        """)  # noqa: S608 - constants  # nosec B608
    # closed cases: every other customer, decided 60-180 days ago
    cursor.execute(f"""
        INSERT INTO compliance_case (reference, state, opened_at, sla_due_at, closed_at, updated_at, assignee_id,
            customer_id)
        SELECT 'BQ-C' || lpad(c.rn::text, 7, '0'),
               (ARRAY['closed_false_positive','closed_no_action','sar_filed'])[1 + c.rn % 3],
               o.opened, o.opened + interval '30 days', o.opened + (c.rn % 40) * interval '1 day', now(),
               ({assignees})[1 + c.rn % {len(analysts) + 1}], c.id
        FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM fintech_customer
              WHERE external_id LIKE '{PREFIX}\\_%') c
        CROSS JOIN LATERAL (SELECT now() - (60 + c.rn % 120) * interval '1 day' AS opened) o
        WHERE c.rn % 2 = 0""")  # noqa: S608 - constants  # nosec B608
    codes = "ARRAY[" + ",".join(f"'{c}'" for c, _s in RULES) + "]"
    severities = "ARRAY[" + ",".join(f"'{s}'" for _c, s in RULES) + "]"
    # alerts: customer g % n, rule g % 10, created up to a year ago (stored in time order, as alerts
    # arrive); the older ones belong to the customer's closed case
    cursor.execute(f"""
        WITH customers AS (
            SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM fintech_customer
            WHERE external_id LIKE '{PREFIX}\\_%'
        ), open_case AS (
            SELECT customer_id, id FROM compliance_case WHERE reference LIKE 'BQ-O%'
        ), closed_case AS (
            SELECT customer_id, id FROM compliance_case WHERE reference LIKE 'BQ-C%'
        )
        INSERT INTO compliance_alert (rule_code, rule_version, window_start, window_end, transaction_ids, score,
            status, severity, dedupe_key, created_at, customer_id, case_id)
        SELECT ({codes})[1 + g % 10], 1, t.at, t.at, '[]'::jsonb, (g % 100) / 100.0,
               CASE WHEN t.old AND cc.id IS NOT NULL THEN 'closed' ELSE 'open' END, ({severities})[1 + g % 10],
               '{PREFIX}:' || g, t.at, cu.id, CASE WHEN t.old AND cc.id IS NOT NULL THEN cc.id ELSE oc.id END
        FROM generate_series(1, {int(n_alerts)}) g
        JOIN customers cu ON cu.k = (g::bigint * 7919) % {int(n_customers)}
        JOIN open_case oc ON oc.customer_id = cu.id
        LEFT JOIN closed_case cc ON cc.customer_id = cu.id
        CROSS JOIN LATERAL (SELECT now() - ((g::bigint * 104729) % 525600) * interval '1 minute' AS at,
                                   ((g::bigint * 104729) % 525600) > 86400 AS old) t
        ORDER BY t.at
        """)  # noqa: S608 - constants  # nosec B608


def _vacuum() -> None:
    """What autovacuum would have done by then (visibility map, statistics); outside a transaction."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("fintech_customer", "compliance_case", "compliance_alert"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def _login(client, officer, device) -> None:
    from django_otp.oath import totp

    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": officer.get_username(), "password": BENCH_PASSWORD, "otp_token": f"{code:06d}"},
    )
    if response.status_code != 302:
        raise RuntimeError(f"bench login failed: {response.status_code}")


def _time(client, url: str, requests: int) -> tuple[float, float]:
    for _ in range(2):
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: HTTP {response.status_code}")
    samples = []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(round(0.95 * len(samples))) - 1)]


def run() -> list[dict]:
    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    n_alerts = int(os.environ.get("BENCH_ALERTS", "1000000"))
    n_customers = int(os.environ.get("BENCH_QUEUE_CUSTOMERS", "10000"))
    requests = int(os.environ.get("BENCH_QUEUE_REQUESTS", "30"))
    debug, settings.DEBUG = settings.DEBUG, False  # no query log in memory while timing
    figures: list[dict] = []
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            _cleanup(cursor)
            officer, device, analysts = _staff()
            started = time.perf_counter()
            _generate(cursor, n_alerts=n_alerts, n_customers=n_customers, analysts=analysts)
        _vacuum()
        figures.append(
            {
                "name": f"generate {n_alerts:,} alerts, {n_customers:,} customers (SQL)",
                "value": round(time.perf_counter() - started, 1),
                "unit": "s",
                "met": None,
            }
        )
        from compliance.cases.models import Case

        case = Case.objects.filter(reference__startswith="BQ-O").order_by("pk").first()
        pages = [
            ("alert queue", reverse("admin:compliance_alert_changelist")),
            (
                "alert queue, severity + rule",
                reverse("admin:compliance_alert_changelist") + "?severity=high&rule=structuring",
            ),
            ("alert queue, assignee", reverse("admin:compliance_alert_changelist") + f"?assignee={analysts[0]}"),
            ("alert queue, age 7-30 days", reverse("admin:compliance_alert_changelist") + "?age=7-30d"),
            ("case queue", reverse("admin:compliance_case_changelist")),
            ("case queue, SLA breached", reverse("admin:compliance_case_changelist") + "?age=sla_breached"),
            ("dashboard", reverse("admin:compliance_dashboard")),
            ("search 'Jon Smyth'", reverse("admin:compliance_search") + "?q=Jon+Smyth"),
        ]
        try:
            pages.append(("case page", reverse("admin:compliance_case_page", args=[case.pk])))
        except NoReverseMatch:
            pass
        client = Client()
        _login(client, officer, device)
        for name, url in pages:
            try:
                p50, p95 = _time(client, url, requests)
            except RuntimeError as exc:
                figures.append({"name": f"{name}: failed", "value": str(exc)[:60], "unit": "", "met": False})
                continue
            figures.append({"name": f"{name} p50", "value": round(p50, 1), "unit": "ms", "met": None})
            figures.append(
                {
                    "name": f"{name} p95 ({n_alerts:,} alerts)",
                    "value": round(p95, 1),
                    "unit": "ms",
                    "target": f"<= {TARGET_MS} ms",
                    "met": p95 <= TARGET_MS,
                }
            )
    finally:
        settings.DEBUG = debug
        if os.environ.get("BENCH_QUEUE_KEEP") != "1":
            with transaction.atomic(), connection.cursor() as cursor:
                _cleanup(cursor)
    return figures
