"""Stripe, through the official SDK. The only module that imports `stripe`.

Card data never passes through us: the browser confirms the PaymentIntent with its
client secret directly with Stripe.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import stripe

from payments.errors import GatewayError, GatewayUnavailableError
from payments.gateways.base import GatewayCharge, GatewayPaymentIntent, GatewayRefund


def _id(value: Any) -> str:
    """An expandable field: an id string, an expanded object, or nothing."""
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value.get("id", ""))


def _call(request: Callable[[], Any]) -> dict[str, Any]:
    """Run one SDK request; plain dict back, our errors out (transient ones distinguished)."""
    try:
        return request().to_dict()
    except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
        raise GatewayUnavailableError(f"stripe unavailable: {exc.user_message or exc}") from exc
    except stripe.StripeError as exc:
        if exc.http_status is not None and exc.http_status >= 500:
            raise GatewayUnavailableError(f"stripe error {exc.http_status}") from exc
        raise GatewayError(f"stripe refused: {exc.user_message or exc}") from exc


def _payment_intent(obj: dict[str, Any]) -> GatewayPaymentIntent:
    return GatewayPaymentIntent(
        reference=obj["id"],
        status=obj["status"],
        amount=int(obj["amount"]),
        currency=str(obj["currency"]).upper(),
        amount_received=int(obj.get("amount_received") or 0),
        latest_charge=_id(obj.get("latest_charge")),
        client_secret=obj.get("client_secret") or "",
        metadata={str(k): str(v) for k, v in (obj.get("metadata") or {}).items()},
    )


class StripeGateway:
    name = "stripe"

    def __init__(self, *, api_key: str, api_base: str, max_network_retries: int = 2):
        # The SDK retries network failures itself, re-sending the same idempotency key.
        self._client = stripe.StripeClient(
            api_key, base_addresses={"api": api_base}, max_network_retries=max_network_retries
        )

    def payment_intent_create(
        self, *, amount: int, currency: str, idempotency_key: str, metadata: dict[str, str]
    ) -> GatewayPaymentIntent:
        params = {
            "amount": amount,
            "currency": currency.lower(),
            "metadata": metadata,
            "automatic_payment_methods": {"enabled": True},
        }
        obj = _call(lambda: self._client.v1.payment_intents.create(
            params=params, options={"idempotency_key": idempotency_key}
        ))
        return _payment_intent(obj)

    def payment_intent_retrieve(self, *, reference: str) -> GatewayPaymentIntent:
        return _payment_intent(_call(lambda: self._client.v1.payment_intents.retrieve(reference)))

    def charge_retrieve(self, *, reference: str) -> GatewayCharge:
        obj = _call(lambda: self._client.v1.charges.retrieve(reference))
        return GatewayCharge(
            reference=obj["id"],
            payment_intent=_id(obj.get("payment_intent")),
            amount=int(obj["amount"]),
            amount_refunded=int(obj.get("amount_refunded") or 0),
            currency=str(obj["currency"]).upper(),
            refunded=bool(obj.get("refunded")),
            disputed=bool(obj.get("disputed")),
        )

    def refund_create(
        self, *, payment_intent: str, amount: int, idempotency_key: str, metadata: dict[str, str]
    ) -> GatewayRefund:
        params = {"payment_intent": payment_intent, "amount": amount, "metadata": metadata}
        obj = _call(lambda: self._client.v1.refunds.create(params=params, options={"idempotency_key": idempotency_key}))
        return GatewayRefund(
            reference=obj["id"],
            status=obj["status"],
            amount=int(obj["amount"]),
            currency=str(obj["currency"]).upper(),
            payment_intent=_id(obj.get("payment_intent")),
            charge=_id(obj.get("charge")),
        )
