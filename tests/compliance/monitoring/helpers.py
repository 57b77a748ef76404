"""Crafted transaction histories for the monitoring tests."""

from __future__ import annotations

import datetime
import itertools

from compliance.monitoring.models import Alert
from compliance.monitoring.services.evaluation import aml_scan_run, events_evaluate, transactions_upsert

T0 = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC)
_ids = itertools.count(1)


def event(
    customer,
    at: datetime.datetime,
    amount: int,
    direction: str = "in",
    *,
    account: str = "",
    country: str = "",
    source_id: str | None = None,
    currency: str = "GBP",
    channel: str = "transfer",
) -> dict:
    return {
        "source": "test",
        "source_id": source_id or f"tx-{next(_ids)}",
        "customer_id": customer.pk,
        "occurred_at": at.isoformat(),
        "direction": direction,
        "amount": amount,
        "currency": currency,
        "channel": channel,
        "account_id": "acc-1",
        "counterparty_name": account,
        "counterparty_account": account,
        "counterparty_country": country,
    }


def run(events: list[dict], mode: str) -> list[Alert]:
    """Feed the history through one mode; return the alerts it raised."""
    if mode == "stream":
        for e in sorted(events, key=lambda e: e["occurred_at"]):
            events_evaluate(events=[e])
    else:
        transactions_upsert(events=events)
        aml_scan_run(start=T0 - datetime.timedelta(days=400), end=T0 + datetime.timedelta(days=4000))
    return list(Alert.objects.order_by("pk"))


def hours(n: float) -> datetime.timedelta:
    return datetime.timedelta(hours=n)


def days(n: float) -> datetime.timedelta:
    return datetime.timedelta(days=n)
