"""The one transaction event every money movement publishes for compliance monitoring.

Payments and banking call `publish_transaction_event`; compliance connects to
`transaction_event`. The signal is sent after the writing transaction commits, so a
rolled-back movement never reaches monitoring, and the payload holds plain types only.
`direction` is seen from the customer's account (with us, or at their bank): "in" when
money arrives there, "out" when it leaves. `occurred_at` is ISO 8601 with an offset.
The counterparty (name, account, ISO alpha-2 country) and the `channel` ("card",
"merchant", "bank_transfer", ...) are what monitoring's rules group and judge by: a
fan-in needs the senders' accounts, a high-risk-country rule the country, and card
purchases at merchants are told apart from transfers by the channel. Empty when unknown.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.dispatch import Signal

transaction_event = Signal()


def publish_transaction_event(
    *, source: str, kind: str, reference: str, amount: int, currency: str, customer_id: int | None,
    occurred_at: str, direction: str, channel: str = "", counterparty_name: str = "",
    counterparty_account: str = "", counterparty_country: str = "",
) -> None:
    payload = {
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
    transaction.on_commit(partial(transaction_event.send, sender=source, payload=payload))
