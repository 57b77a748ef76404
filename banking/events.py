"""Transaction events for compliance monitoring.

Every new bank transaction sends `transaction_event` after its transaction commits (so
a rolled-back sync never reaches monitoring). The payload uses plain types only, in the
same shape as payments' events, so one consumer reads both.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.dispatch import Signal

transaction_event = Signal()


def publish_transaction_event(
    *, kind: str, reference: str, amount: int, currency: str, customer_id: int | None, occurred_at: str,
    direction: str, source: str = "banking",
) -> None:
    """Send `transaction_event` on commit; `direction` is "in" or "out" of the customer's account."""
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
