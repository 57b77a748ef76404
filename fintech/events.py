"""The one transaction event every money movement publishes for compliance monitoring.

Payments and banking call `publish_transaction_event`; compliance connects to
`transaction_event`. The signal is sent after the writing transaction commits, so a
rolled-back movement never reaches monitoring, and the payload holds plain types only.
`direction` is seen from the customer's account (with us, or at their bank): "in" when
money arrives there, "out" when it leaves. `occurred_at` is ISO 8601 with an offset.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.dispatch import Signal

transaction_event = Signal()


def publish_transaction_event(
    *, source: str, kind: str, reference: str, amount: int, currency: str, customer_id: int | None,
    occurred_at: str, direction: str,
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
    }
    transaction.on_commit(partial(transaction_event.send, sender=source, payload=payload))
