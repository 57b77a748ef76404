"""The one transaction event every money movement publishes for compliance monitoring.

Payments and banking call `publish_transaction_event` inside the transaction that moves
the money: the event is an outbox row (docs/outbox.md), so it reaches the Redis stream
`settings.AML_STREAM` if and only if the movement committed, however the
process dies afterwards. Compliance's consumers read the stream. The payload holds plain
types only. `direction` is seen from the customer's account (with us, or at their bank):
"in" when money arrives there, "out" when it leaves. `occurred_at` is ISO 8601 with an
offset. `reference` is unique per source: monitoring decides each (source, reference) once.
The counterparty (name, account, ISO alpha-2 country) and the `channel` ("card",
"merchant", "bank_transfer", ...) are what monitoring's rules group and judge by: a
fan-in needs the senders' accounts, a high-risk-country rule the country, and card
purchases at merchants are told apart from transfers by the channel. Empty when unknown.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from fintech.outbox import outbox_event_publish


def transaction_event_payload(
    *,
    source: str,
    kind: str,
    reference: str,
    amount: int,
    currency: str,
    customer_id: int | None,
    occurred_at: str,
    direction: str,
    channel: str = "",
    counterparty_name: str = "",
    counterparty_account: str = "",
    counterparty_country: str = "",
) -> dict[str, Any]:
    """The event's fields, as the stream carries them."""
    return {
        "source": source,
        "kind": kind,
        "reference": reference,
        "amount": amount,
        "currency": currency,
        "direction": direction,
        "customer_id": customer_id,
        "occurred_at": occurred_at,
        "channel": channel,
        "counterparty_name": counterparty_name,
        "counterparty_account": counterparty_account,
        "counterparty_country": counterparty_country,
    }


def transaction_event_record(payload: dict[str, Any]) -> None:
    """Record a built event in the current transaction's outbox. A movement that is not a
    customer's (customer_id None) has nothing to monitor per customer and is not sent."""
    if payload.get("customer_id") is None:
        return
    outbox_event_publish(stream=settings.AML_STREAM, event=payload)


def publish_transaction_event(**fields: Any) -> None:
    """Build the event from keyword fields (`transaction_event_payload`) and record it in
    the outbox of the current transaction."""
    transaction_event_record(transaction_event_payload(**fields))
