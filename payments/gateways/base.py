"""The one small interface every gateway adapter offers, and the plain records it returns.

Adapters return these dataclasses, never SDK objects, so nothing outside
`payments/gateways/` depends on an SDK. Every creating call takes an
`idempotency_key` derived from our own record: a retried task re-sends the same key
and the gateway answers with the object it already created.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class GatewayPaymentIntent:
    reference: str
    status: str  # the gateway's own word, e.g. "succeeded", "processing", "canceled"
    amount: int
    currency: str  # upper-case ISO 4217
    amount_received: int = 0
    latest_charge: str = ""
    client_secret: str = ""
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class GatewayCharge:
    reference: str
    payment_intent: str
    amount: int
    amount_refunded: int
    currency: str
    refunded: bool = False
    disputed: bool = False
    balance_transaction: str = ""  # txn_...; empty until the gateway has settled it to our balance


@dataclass(frozen=True)
class GatewayRefund:
    reference: str
    status: str
    amount: int
    currency: str
    payment_intent: str = ""
    charge: str = ""


class PaymentGateway(Protocol):
    name: str

    def payment_intent_create(
        self, *, amount: int, currency: str, idempotency_key: str, metadata: dict[str, str]
    ) -> GatewayPaymentIntent: ...

    def payment_intent_retrieve(self, *, reference: str) -> GatewayPaymentIntent: ...

    def charge_retrieve(self, *, reference: str) -> GatewayCharge: ...

    def refund_create(
        self, *, payment_intent: str, amount: int, idempotency_key: str, metadata: dict[str, str]
    ) -> GatewayRefund: ...
