"""The plain records the Braintree adapter returns (no SDK objects leave the adapter).

Amounts are int minor units with an upper-case ISO 4217 currency; Braintree's own
decimal strings are converted exactly in the adapter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Braintree transaction statuses, grouped by what they mean for our payment.
IN_FLIGHT_STATUSES = frozenset(
    {
        "authorizing",
        "authorized",
        "submitted_for_settlement",
        "settling",
        "settlement_pending",
        "settlement_confirmed",
    }
)
SETTLED_STATUSES = frozenset({"settled"})
FAILED_STATUSES = frozenset({"settlement_declined", "processor_declined", "gateway_rejected", "failed"})
CANCELED_STATUSES = frozenset({"voided", "authorization_expired"})


@dataclass(frozen=True)
class BraintreeTransaction:
    reference: str  # the transaction id
    status: str  # Braintree's word, e.g. "submitted_for_settlement", "settled"
    type: str  # "sale", or "credit" for a refund
    amount: int
    currency: str
    order_id: str = ""
    refunded_transaction: str = ""  # for a credit: the sale it refunds
    service_fee: int | None = None  # minor units, when the gateway reports one
    settled_at: datetime | None = None
    customer_id: str = ""
    payment_method_token: str = ""  # set when the payment method was vaulted
    processor_response: str = ""  # e.g. "Do Not Honor" on a decline


@dataclass(frozen=True)
class BraintreeSettledTransaction:
    """One settled transaction, for reconciliation against the ledger."""

    reference: str
    amount: int  # minor units, positive; a credit (refund) has type "credit"
    currency: str
    status: str
    settled_at: datetime  # aware, UTC
    service_fee: int | None
    type: str
    order_id: str = ""


@dataclass(frozen=True)
class BraintreeDispute:
    reference: str
    transaction: str
    amount: int
    currency: str
    status: str  # "open", "won", "lost", "accepted", ...
    reason: str = ""


@dataclass(frozen=True)
class BraintreeVaultedMethod:
    token: str
    customer_id: str
    kind: str  # "paypal_account", "credit_card", ...


@dataclass(frozen=True)
class BraintreeNotification:
    """A verified webhook notification. Braintree gives it no id of its own, so its
    key is kind + timestamp + the subject's id."""

    kind: str
    timestamp: datetime
    subject_id: str
    transaction: str = ""  # the subject transaction's id (or a dispute's transaction)
    dispute: str = ""

    @property
    def event_key(self) -> str:
        return f"{self.kind}:{self.timestamp.strftime('%Y-%m-%dT%H:%M:%SZ')}:{self.subject_id}"[:120]
