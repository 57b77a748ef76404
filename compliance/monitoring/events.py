"""The monitoring event: one money movement in plain JSON types, whatever its origin.

`{"source", "source_id", "customer_id" (our Customer pk), "occurred_at" (ISO 8601 with
offset), "direction" ("in"|"out"), "amount" (int minor units), "currency", "channel",
"account_id", "counterparty_name", "counterparty_account", "counterparty_country"}`.
Payments and banking record the core's transaction event (fintech/events.py) in the
outbox, which puts it on the stream; `event_from_signal_payload` maps it to this shape.
"""

from __future__ import annotations

import datetime
from typing import Any

from fintech.money import normalise_currency

TEXT_FIELDS = {"channel": 32, "account_id": 64, "counterparty_name": 200, "counterparty_account": 64}


class EventError(ValueError):
    """An event that can never be evaluated (a poison event)."""


def event_from_signal_payload(payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "source": str(payload.get("source") or "payments"),
        "source_id": str(payload.get("reference") or ""),
        "customer_id": payload.get("customer_id"),
        "occurred_at": payload.get("occurred_at"),
        "direction": payload.get("direction"),
        "amount": payload.get("amount"),
        "currency": payload.get("currency"),
        "channel": str(payload.get("channel") or payload.get("kind") or ""),
        "account_id": str(payload.get("account_id") or ""),
        "counterparty_name": str(payload.get("counterparty_name") or ""),
        "counterparty_account": str(payload.get("counterparty_account") or ""),
        "counterparty_country": str(payload.get("counterparty_country") or ""),
    }


def parse_occurred_at(text: Any) -> datetime.datetime:
    try:
        value = datetime.datetime.fromisoformat(str(text).strip())
    except ValueError as exc:
        raise EventError(f"occurred_at {text!r} is not ISO 8601") from exc
    if value.tzinfo is None:
        raise EventError(f"occurred_at {text!r} has no UTC offset")
    return value


def transaction_fields(event: dict[str, Any]) -> dict[str, Any]:
    """The MonitoredTransaction fields of an event; EventError says what is wrong."""
    source, source_id = str(event.get("source") or ""), str(event.get("source_id") or "")
    if not source or not source_id or len(source) > 32 or len(source_id) > 128:
        raise EventError("source and source_id are required (at most 32 and 128 characters)")
    customer_id = event.get("customer_id")
    if not isinstance(customer_id, int) or isinstance(customer_id, bool):
        raise EventError("customer_id must be an integer")
    direction = event.get("direction")
    if direction not in ("in", "out"):
        raise EventError(f"direction {direction!r} is not in|out")
    amount = event.get("amount")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        raise EventError("amount must be a non-negative integer of minor units")
    try:
        currency = normalise_currency(str(event.get("currency") or ""))
    except ValueError as exc:
        raise EventError(str(exc)) from exc
    country = str(event.get("counterparty_country") or "").strip().upper()
    if country and (len(country) != 2 or not country.isalpha()):
        raise EventError(f"counterparty_country {country!r} is not ISO alpha-2")
    fields = {
        "source": source,
        "source_id": source_id,
        "customer_id": customer_id,
        "occurred_at": parse_occurred_at(event.get("occurred_at")),
        "direction": direction,
        "amount": amount,
        "currency": currency,
        "counterparty_country": country,
    }
    for name, limit in TEXT_FIELDS.items():
        fields[name] = str(event.get(name) or "").strip()[:limit]
    return fields
