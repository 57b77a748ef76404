"""Stripe, through the official SDK. The only module that imports `stripe`.

Card data never passes through us: the browser confirms the PaymentIntent with its
client secret directly with Stripe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
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


def _paged(listing: Callable[[], Any]) -> Iterator[dict[str, Any]]:
    """Every object of a list request, page after page (`auto_paging_iter`), as dicts."""
    try:
        for obj in listing().auto_paging_iter():
            yield obj.to_dict()
    except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
        raise GatewayUnavailableError(f"stripe unavailable: {exc.user_message or exc}") from exc
    except stripe.StripeError as exc:
        if exc.http_status is not None and exc.http_status >= 500:
            raise GatewayUnavailableError(f"stripe error {exc.http_status}") from exc
        raise GatewayError(f"stripe refused: {exc.user_message or exc}") from exc


@dataclass(frozen=True)
class StripeBalanceTransaction:
    """A movement of our Stripe balance; amounts signed as they move the balance."""

    reference: str  # txn_...
    type: str  # charge, payment, refund, adjustment, payout, ...
    source: str  # ch_/re_/dp_/po_... that caused it
    amount: int
    fee: int
    net: int
    currency: str
    created: int  # unix seconds
    exchange_rate: Decimal | None = None


@dataclass(frozen=True)
class StripePayout:
    reference: str  # po_...
    amount: int  # positive: what left the balance for the bank
    currency: str
    status: str
    created: int
    arrival_date: int | None = None
    failure_message: str = ""  # why it failed (Stripe's failure_message, else its failure_code)


@dataclass(frozen=True)
class StripeDispute:
    """A dispute as Stripe holds it now. `balance_transactions` are the funds it moved:
    a negative one withdrew the disputed amount, a later positive one reinstated it."""

    reference: str  # dp_...
    charge: str
    payment_intent: str
    amount: int
    currency: str
    status: str  # warning_needs_response, needs_response, under_review, won, lost, ...
    reason: str = ""
    balance_transactions: tuple[StripeBalanceTransaction, ...] = ()

    @property
    def funds_withdrawn(self) -> bool:
        return any(txn.amount < 0 for txn in self.balance_transactions)

    @property
    def funds_reinstated(self) -> bool:
        return any(txn.amount > 0 for txn in self.balance_transactions)

    def fee_moved(self, *, reinstated: bool) -> tuple[int, str] | None:
        """The fee Stripe took (positive) or gave back (negative) with the funds it moved one
        way (withdrawn, or reinstated), in the balance's currency; None if none moved so."""
        moved = [txn for txn in self.balance_transactions if (txn.amount > 0) == reinstated and txn.amount]
        if not moved:
            return None
        return sum(txn.fee for txn in moved), moved[0].currency


def _payout(obj: dict[str, Any]) -> StripePayout:
    return StripePayout(
        reference=obj["id"],
        amount=int(obj["amount"]),
        currency=str(obj["currency"]).upper(),
        status=str(obj.get("status") or ""),
        created=int(obj["created"]),
        arrival_date=obj.get("arrival_date"),
        failure_message=str(obj.get("failure_message") or obj.get("failure_code") or ""),
    )


def _balance_transaction(obj: dict[str, Any]) -> StripeBalanceTransaction:
    rate = obj.get("exchange_rate")
    return StripeBalanceTransaction(
        reference=obj["id"],
        type=str(obj["type"]),
        source=_id(obj.get("source")),
        amount=int(obj["amount"]),
        fee=int(obj.get("fee") or 0),
        net=int(obj["net"]),
        currency=str(obj["currency"]).upper(),
        created=int(obj["created"]),
        exchange_rate=None if rate is None else Decimal(str(rate)),
    )


def stripe_dispute_from(obj: dict[str, Any]) -> StripeDispute:
    """A dispute object, as the API returns it or as an event carries it (its balance
    transactions are always expanded there; an unexpanded id says nothing and is skipped)."""
    return StripeDispute(
        reference=obj["id"],
        charge=_id(obj.get("charge")),
        payment_intent=_id(obj.get("payment_intent")),
        amount=int(obj["amount"]),
        currency=str(obj["currency"]).upper(),
        status=str(obj.get("status") or ""),
        reason=str(obj.get("reason") or ""),
        balance_transactions=tuple(
            _balance_transaction(txn) for txn in obj.get("balance_transactions") or [] if not isinstance(txn, str)
        ),
    )


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
        obj = _call(
            lambda: self._client.v1.payment_intents.create(params=params, options={"idempotency_key": idempotency_key})
        )
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
            balance_transaction=_id(obj.get("balance_transaction")),
        )

    def balance_transaction_retrieve(self, *, reference: str) -> StripeBalanceTransaction:
        """One balance transaction (a charge's gross, fee and net in our balance's currency)."""
        return _balance_transaction(_call(lambda: self._client.v1.balance_transactions.retrieve(reference)))

    def dispute_retrieve(self, *, reference: str) -> StripeDispute:
        return stripe_dispute_from(_call(lambda: self._client.v1.disputes.retrieve(reference)))

    def payout_retrieve(self, *, reference: str) -> StripePayout:
        return _payout(_call(lambda: self._client.v1.payouts.retrieve(reference)))

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

    def balance_transactions_list(
        self, *, created_gte: int, created_lt: int, payout: str = "", page_size: int = 100
    ) -> Iterator[StripeBalanceTransaction]:
        """Balance transactions created in [created_gte, created_lt), or those a payout settled."""
        params: dict[str, Any] = {"limit": page_size}
        if payout:
            params["payout"] = payout
        else:
            params["created"] = {"gte": created_gte, "lt": created_lt}
        for obj in _paged(lambda: self._client.v1.balance_transactions.list(params=params)):
            yield _balance_transaction(obj)

    def payouts_list(self, *, created_gte: int, created_lt: int, page_size: int = 100) -> Iterator[StripePayout]:
        params = {"limit": page_size, "created": {"gte": created_gte, "lt": created_lt}}
        for obj in _paged(lambda: self._client.v1.payouts.list(params=params)):
            yield _payout(obj)
