"""Braintree, through the official SDK. The only module that imports `braintree`.

Card data never passes through us: the browser's Drop-in hands the card (or PayPal
account) to Braintree and gives us a one-time payment-method nonce.

Braintree has no idempotency-key header. A sale is made idempotent by our own
reference: the caller's `order_id` (derived from our payment id) is searched for
first, and an existing sale with it is returned instead of charging again; the caller
also serialises submissions of one payment (see `payments.services.braintree_payments`).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import urlsplit

import braintree
from braintree.exceptions.http import ConnectionError as BraintreeConnectionError
from braintree.util.xml_util import XmlUtil

from fintech.money import MoneyError, to_major_units, to_minor_units
from fintech.webhook_verification import WebhookVerificationError
from payments.conf import BraintreeSettings
from payments.errors import GatewayError, GatewayUnavailableError, PaymentsNotConfiguredError
from payments.gateways.base import GatewayRefund
from payments.gateways.braintree_records import (
    BraintreeDispute,
    BraintreeNotification,
    BraintreeSettledTransaction,
    BraintreeTransaction,
    BraintreeVaultedMethod,
)

T = TypeVar("T")
_TRANSIENT = (
    braintree.exceptions.ServerError,
    braintree.exceptions.ServiceUnavailableError,
    braintree.exceptions.TooManyRequestsError,
    braintree.exceptions.GatewayTimeoutError,
    braintree.exceptions.RequestTimeoutError,
    BraintreeConnectionError,
    braintree.exceptions.UnexpectedError,
)


def _call(request: Callable[[], T]) -> T:
    """Run one SDK request; our errors out (transient ones distinguished)."""
    try:
        return request()
    except _TRANSIENT as exc:
        raise GatewayUnavailableError(f"braintree unavailable: {type(exc).__name__}") from exc
    except braintree.exceptions.NotFoundError as exc:
        raise GatewayError(f"braintree: not found ({exc})") from exc
    except (braintree.exceptions.AuthenticationError, braintree.exceptions.AuthorizationError) as exc:
        raise GatewayError(f"braintree refused our credentials: {type(exc).__name__}") from exc


def _result(result: Any, what: str) -> Any:
    """The object of a successful result; a declined transaction is returned too
    (it exists at the gateway); a validation error raises."""
    if result.is_success:
        return result
    if getattr(result, "transaction", None) is not None:
        return result
    raise GatewayError(f"braintree refused the {what}: {result.message}")


def _minor(amount: Decimal | str | None, currency: str) -> int:
    try:
        return to_minor_units(str(amount), currency)
    except MoneyError as exc:
        raise GatewayError(f"braintree amount {amount!r} {currency}: {exc}") from exc


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _settled_at(obj: Any) -> datetime | None:
    for event in getattr(obj, "status_history", None) or []:
        if getattr(event, "status", "") == "settled":
            return _aware(event.timestamp)
    return None


def _transaction(obj: Any) -> BraintreeTransaction:
    currency = str(obj.currency_iso_code).upper()
    fee = getattr(obj, "service_fee_amount", None)
    customer = getattr(obj, "customer_details", None)
    paypal = getattr(obj, "paypal_details", None)
    card = getattr(obj, "credit_card_details", None)
    token = (getattr(paypal, "token", None) or getattr(card, "token", None) or "") if (paypal or card) else ""
    return BraintreeTransaction(
        reference=obj.id,
        status=obj.status,
        type=getattr(obj, "type", "") or "",
        amount=_minor(obj.amount, currency),
        currency=currency,
        order_id=getattr(obj, "order_id", None) or "",
        refunded_transaction=getattr(obj, "refunded_transaction_id", None) or "",
        service_fee=_minor(fee, currency) if fee not in (None, "") else None,
        settled_at=_settled_at(obj),
        customer_id=(getattr(customer, "id", None) or "") if customer else "",
        payment_method_token=token,
        processor_response=getattr(obj, "processor_response_text", None) or "",
    )


def _environment(settings: BraintreeSettings) -> braintree.Environment:
    if not settings.api_url:
        return braintree.Environment.parse_environment(settings.environment)
    parts = urlsplit(settings.api_url)
    is_ssl = parts.scheme == "https"
    port = str(parts.port or (443 if is_ssl else 80))
    return braintree.Environment(
        settings.environment,
        parts.hostname,
        port,
        settings.api_url,
        is_ssl,
        braintree.Environment.Sandbox.ssl_certificate if is_ssl else None,
    )


class BraintreeGateway:
    name = "braintree"

    def __init__(self, *, settings: BraintreeSettings, timeout: int = 30):
        self._settings = settings
        if not (settings.merchant_id and settings.public_key and settings.private_key):
            raise PaymentsNotConfiguredError(
                "braintree is not configured (BRAINTREE_MERCHANT_ID, _PUBLIC_KEY, _PRIVATE_KEY)"
            )
        try:
            self._gateway = braintree.BraintreeGateway(
                braintree.Configuration(
                    environment=_environment(settings),
                    merchant_id=settings.merchant_id,
                    public_key=settings.public_key,
                    private_key=settings.private_key,
                    timeout=timeout,
                    wrap_http_exceptions=True,
                )
            )
        except braintree.exceptions.ConfigurationError as exc:
            raise GatewayError(f"braintree is misconfigured: {exc}") from exc

    # --- checkout ------------------------------------------------------------------
    def client_token(self, *, customer_id: str = "", currency: str = "") -> str:
        """A client token for the Drop-in (with the customer, it can vault and offer saved methods)."""
        params: dict[str, Any] = {}
        if customer_id:
            params["customer_id"] = customer_id
        account = self._settings.merchant_accounts.get(currency.upper()) if currency else None
        if account:
            params["merchant_account_id"] = account
        return _call(lambda: self._gateway.client_token.generate(params))

    def customer_ensure(self, *, customer_id: str) -> str:
        """The vault customer `customer_id` (our id), created if missing."""
        try:
            return _call(lambda: self._gateway.customer.find(customer_id)).id
        except GatewayError as exc:
            if not isinstance(exc.__cause__, braintree.exceptions.NotFoundError):
                raise
        result = _call(lambda: self._gateway.customer.create({"id": customer_id}))
        if not result.is_success:
            raise GatewayError(f"braintree refused the customer: {result.message}")
        return result.customer.id

    def payment_method_vault(self, *, customer_id: str, nonce: str) -> BraintreeVaultedMethod:
        """Vault the payment method behind `nonce` (e.g. a PayPal billing agreement) for the customer."""
        result = _call(
            lambda: self._gateway.payment_method.create({"customer_id": customer_id, "payment_method_nonce": nonce})
        )
        if not result.is_success:
            raise GatewayError(f"braintree refused to vault the payment method: {result.message}")
        method = result.payment_method
        kind = {"PayPalAccount": "paypal_account", "CreditCard": "credit_card"}.get(
            type(method).__name__, type(method).__name__
        )
        return BraintreeVaultedMethod(token=method.token, customer_id=customer_id, kind=kind)

    def transaction_for_order(self, *, order_id: str) -> BraintreeTransaction | None:
        """Our earlier sale with `order_id`, if one reached the gateway."""
        found = _call(
            lambda: list(
                self._gateway.transaction.search(
                    braintree.TransactionSearch.order_id == order_id,
                    braintree.TransactionSearch.type == braintree.Transaction.Type.Sale,
                )
            )
        )
        return _transaction(found[0]) if found else None

    def transaction_sale(
        self,
        *,
        amount: int,
        currency: str,
        order_id: str,
        nonce: str = "",
        payment_method_token: str = "",
        customer_id: str = "",
        store_in_vault: bool = False,
    ) -> BraintreeTransaction:
        """Charge once per `order_id`, submitted for settlement.

        A sale already made with this `order_id` is returned instead of a second
        one: a retried task, after a timeout or a crash, does not charge twice.
        """
        existing = self.transaction_for_order(order_id=order_id)
        if existing is not None:
            return existing
        params: dict[str, Any] = {
            "amount": str(to_major_units(amount, currency)),
            "order_id": order_id,
            "options": {"submit_for_settlement": True},
        }
        if nonce:
            params["payment_method_nonce"] = nonce
        if payment_method_token:
            params["payment_method_token"] = payment_method_token
        if customer_id:
            params["customer_id"] = customer_id
        if store_in_vault:
            params["options"]["store_in_vault_on_success"] = True
        account = self._settings.merchant_accounts.get(currency.upper())
        if account:
            params["merchant_account_id"] = account
        result = _result(_call(lambda: self._gateway.transaction.sale(params)), "sale")
        sale = _transaction(result.transaction)
        if (sale.amount, sale.currency) != (amount, currency.upper()):
            raise GatewayError(f"braintree charged {sale.amount} {sale.currency} for {amount} {currency}")
        return sale

    # --- after the sale ------------------------------------------------------------
    def transaction_find(self, *, reference: str) -> BraintreeTransaction:
        return _transaction(_call(lambda: self._gateway.transaction.find(reference)))

    def transaction_submit_for_settlement(self, *, reference: str) -> BraintreeTransaction:
        result = _result(_call(lambda: self._gateway.transaction.submit_for_settlement(reference)), "settlement")
        return _transaction(result.transaction)

    def transaction_void(self, *, reference: str) -> BraintreeTransaction:
        """Cancel a sale that has not settled yet (no money moves)."""
        result = _result(_call(lambda: self._gateway.transaction.void(reference)), "void")
        return _transaction(result.transaction)

    def transaction_refund(self, *, reference: str, amount: int, currency: str, order_id: str) -> BraintreeTransaction:
        """Refund (a credit against) a settled sale, once per `order_id`."""
        found = _call(
            lambda: list(
                self._gateway.transaction.search(
                    braintree.TransactionSearch.order_id == order_id,
                    braintree.TransactionSearch.type == braintree.Transaction.Type.Credit,
                )
            )
        )
        if found:
            return _transaction(found[0])
        result = _result(
            _call(
                lambda: self._gateway.transaction.refund(
                    reference, {"amount": str(to_major_units(amount, currency)), "order_id": order_id}
                )
            ),
            "refund",
        )
        return _transaction(result.transaction)

    def refund_create(
        self, *, payment_intent: str, amount: int, idempotency_key: str, metadata: dict[str, str]
    ) -> GatewayRefund:
        """The common gateway interface's refund (`payment_intent` is the sale's id)."""
        sale = self.transaction_find(reference=payment_intent)
        credit = self.transaction_refund(
            reference=payment_intent, amount=amount, currency=sale.currency, order_id=idempotency_key
        )
        return GatewayRefund(
            reference=credit.reference,
            status=credit.status,
            amount=credit.amount,
            currency=credit.currency,
            payment_intent=payment_intent,
        )

    def dispute_find(self, *, reference: str) -> BraintreeDispute:
        obj = _call(lambda: self._gateway.dispute.find(reference))
        currency = str(obj.currency_iso_code).upper()
        amount = getattr(obj, "amount_disputed", None) or obj.amount
        return BraintreeDispute(
            reference=obj.id,
            transaction=obj.transaction.id,
            amount=_minor(amount, currency),
            currency=currency,
            status=obj.status,
            reason=getattr(obj, "reason", "") or "",
        )

    # --- reconciliation ------------------------------------------------------------
    def settled_transactions(self, start: date, end: date) -> Iterator[BraintreeSettledTransaction]:
        """Every transaction settled on the UTC days `start` to `end` (both included).

        Lazy: the search returns ids first and the SDK fetches the transactions a page
        at a time as the caller iterates, so memory stays flat however many there are.
        """
        low = datetime.combine(start, time.min, tzinfo=UTC)
        high = datetime.combine(end, time(23, 59, 59), tzinfo=UTC)
        collection = _call(
            lambda: self._gateway.transaction.search(braintree.TransactionSearch.settled_at.between(low, high))
        )
        items = iter(collection)
        while True:
            try:
                obj = _call(lambda: next(items))
            except StopIteration:
                return
            record = _transaction(obj)
            yield BraintreeSettledTransaction(
                reference=record.reference,
                amount=record.amount,
                currency=record.currency,
                status=record.status,
                settled_at=record.settled_at or _aware(getattr(obj, "updated_at", None)) or high,
                service_fee=record.service_fee,
                type=record.type,
                order_id=record.order_id,
            )

    # --- webhooks ------------------------------------------------------------------
    def webhook_parse(self, *, signature: str | None, payload: str | None) -> BraintreeNotification:
        """Verify a delivery's `bt_signature` over `bt_payload` and read it, or raise
        `WebhookVerificationError`."""
        if not signature or not payload:
            raise WebhookVerificationError("missing_fields", "bt_signature and bt_payload are required")
        try:
            notification = self._gateway.webhook_notification.parse(signature, payload)
        except braintree.exceptions.InvalidSignatureError as exc:
            raise WebhookVerificationError("bad_signature", str(exc)) from exc
        except Exception as exc:  # the SDK raises whatever its XML parser raises
            raise WebhookVerificationError("malformed_payload", "the payload is not a Braintree notification") from exc
        return self._notification(notification)

    def webhook_read(self, *, payload: str) -> BraintreeNotification:
        """Read a stored payload that was verified when it arrived (a rotated key must
        not make an accepted delivery unreadable)."""
        attributes = XmlUtil.dict_from_xml(base64.decodebytes(payload.encode("ascii")))
        return self._notification(braintree.WebhookNotification(self._gateway, attributes["notification"]))

    def webhook_challenge(self, *, challenge: str) -> str:
        try:
            return self._gateway.webhook_notification.verify(challenge)
        except braintree.exceptions.InvalidChallengeError as exc:
            raise WebhookVerificationError("bad_challenge", str(exc)) from exc

    @staticmethod
    def _notification(notification: Any) -> BraintreeNotification:
        kind = getattr(notification, "kind", None)
        timestamp = _aware(getattr(notification, "timestamp", None))
        if not isinstance(kind, str) or not kind or not isinstance(timestamp, datetime):
            raise WebhookVerificationError("malformed_payload", "the notification has no kind or timestamp")
        transaction = getattr(notification, "transaction", None)
        dispute = getattr(notification, "dispute", None)
        transaction_id = getattr(transaction, "id", "") or ""
        dispute_id = getattr(dispute, "id", "") or ""
        if dispute is not None and not transaction_id:
            transaction_id = getattr(getattr(dispute, "transaction", None), "id", "") or ""
        subject = dispute_id or transaction_id
        if not subject:
            for name in ("subscription", "disbursement", "merchant_account", "partner_merchant"):
                subject = getattr(getattr(notification, name, None), "id", "") or ""
                if subject:
                    break
        return BraintreeNotification(
            kind=kind,
            timestamp=timestamp,
            subject_id=str(subject or "-"),
            transaction=str(transaction_id),
            dispute=str(dispute_id),
        )
