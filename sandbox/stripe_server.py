"""A fake Stripe API: a real threaded HTTP server on 127.0.0.1 (a free port in tests, a fixed one in
`python -m sandbox`).

The official SDK talks to it over HTTP exactly as it would to Stripe (point
`STRIPE_API_BASE` at `server.url`). Objects are shaped like Stripe's own fixtures
(`tests/data/stripe/fixtures3.json`, loaded when the server starts), with
our values laid over them. POSTs honour `Idempotency-Key`: the same key on the same
path replays the first response and creates nothing.

Test controls: `payment_intent_set_status` (the customer confirms, the bank declines),
`event` (a webhook body for an object), `object` (e.g. a balance transaction or payout,
listed by `GET /v1/balance_transactions` and `GET /v1/payouts` with cursor pagination),
`payout_settles`, `fail_next` (transient 5xx), and `requests` (what the SDK sent).
Sandbox (`python -m sandbox`, and `confirm` in tests): `POST /v1/payment_intents/{id}/confirm`
takes a card number (`payment_method_data[card][number]`, as the stand-in for Stripe.js posts
it) or one of Stripe's test payment methods (`pm_card_visa`, ...), and answers as Stripe's
documented test cards do (`TEST_CARDS`); each outcome's webhook events go to `on_event`
(unset in tests: a test delivers the events it wants). `GET /v3/` serves `stripe_js.js`, a
stand-in for Stripe.js that draws a card-number field labelled "sandbox".
Fees: a succeeded charge's `balance_transaction` is null (not yet available) unless
`charge_fees` set a price list, or until `charge_settles` gives it one; either serves
it at `GET /v1/balance_transactions/{id}`.
"""

from __future__ import annotations

import copy
import json
import os
import re
import secrets
import time
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from sandbox.loopback import LoopbackServer

FIXTURES = Path(
    os.environ.get("STRIPE_FIXTURES", Path(__file__).resolve().parents[1] / "tests/data/stripe/fixtures3.json")
)


def _form_to_nested(body: str) -> dict:
    """`a[b][c]=1&x=2` (the SDK's form encoding) -> {"a": {"b": {"c": "1"}}, "x": "2"}."""
    result: dict = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node = result
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return result


STRIPE_JS = Path(__file__).resolve().parent / "stripe_js.js"

# Stripe's documented test cards (docs.stripe.com/testing): number -> outcome, decline code.
TEST_CARDS = {
    "4242424242424242": ("succeeded", ""),
    "5555555555554444": ("succeeded", ""),
    "4000000000000259": ("disputed", ""),
    "4000000000000002": ("declined", "generic_decline"),
    "4000000000009995": ("declined", "insufficient_funds"),
    "4000000000000069": ("declined", "expired_card"),
}
# Stripe's test PaymentMethods, for confirming from a server (the SDK) instead of a browser.
TEST_PAYMENT_METHODS = {
    "pm_card_visa": "4242424242424242",
    "pm_card_mastercard": "5555555555554444",
    "pm_card_createDispute": "4000000000000259",
    "pm_card_chargeDeclined": "4000000000000002",
    "pm_card_chargeDeclinedInsufficientFunds": "4000000000009995",
}
DECLINE_MESSAGES = {
    "generic_decline": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
    "expired_card": "Your card has expired.",
}
DISPUTE_FEE = 1500  # what Stripe takes per dispute, in the charge's minor units


class StripeApiError(Exception):
    def __init__(self, status: int, message: str, kind: str = "invalid_request_error", **extra):
        super().__init__(message)
        self.status, self.body = status, {"error": {"type": kind, "message": message, **extra}}


class FakeStripeServer(LoopbackServer):
    def __init__(self, fixtures: Path = FIXTURES):
        super().__init__()
        self.shapes = json.loads(fixtures.read_text())["resources"]
        self.objects: dict[str, dict] = {}
        self.requests: list[tuple[str, str, str | None]] = []
        self._replies: dict[tuple[str, str], tuple[int, dict]] = {}
        self._failures: list[int] = []
        self.payout_members: dict[str, list[str]] = {}
        self.pricing: dict | None = None  # set by `charge_fees`
        # Receives each webhook event the server raises itself (a confirmed payment, a dispute).
        self.on_event: Callable[[dict], None] | None = None

    # --- test controls -------------------------------------------------------------
    def fail_next(self, count: int = 1, status: int = 503) -> None:
        with self._lock:
            self._failures.extend([status] * count)

    def count(self, method: str, path: str) -> int:
        return sum(1 for m, p, _ in self.requests if m == method and p == path)

    def payment_intent_set_status(self, intent_id: str, status: str) -> dict:
        """Move a PaymentIntent as Stripe would; success creates its charge."""
        with self._lock:
            intent = self.objects[intent_id]
            intent["status"] = status
            if status == "succeeded" and not intent["latest_charge"]:
                charge = self._new(
                    "charge",
                    "ch",
                    amount=intent["amount"],
                    currency=intent["currency"],
                    payment_intent=intent_id,
                    amount_captured=intent["amount"],
                    captured=True,
                    amount_refunded=0,
                    refunded=False,
                    paid=True,
                    status="succeeded",
                    refunds={"object": "list", "data": [], "has_more": False, "url": "/v1/refunds"},
                    balance_transaction=None,
                )
                intent["latest_charge"] = charge["id"]
                intent["amount_received"] = intent["amount"]
                if self.pricing is not None:
                    self.charge_settles(charge["id"])
            return copy.deepcopy(intent)

    def refund(self, intent_id: str, amount: int) -> dict:
        """A refund made at the gateway (e.g. from Stripe's dashboard)."""
        with self._lock:
            return copy.deepcopy(self._create_refund({"payment_intent": intent_id, "amount": str(amount)}))

    def event(self, event_type: str, obj: dict, event_id: str | None = None) -> dict:
        """A webhook event (shaped like Stripe's) carrying a snapshot of `obj`."""
        event = copy.deepcopy(self.shapes["event"])
        event.update(
            id=event_id or f"evt_{secrets.token_hex(12)}",
            type=event_type,
            created=int(time.time()),
            data={"object": copy.deepcopy(obj)},
        )
        return event

    def object(self, kind: str, **values) -> dict:
        """A new stored object shaped like Stripe's `kind` (e.g. a dispute or payout)."""
        with self._lock:
            prefix = {"dispute": "dp", "payout": "po", "charge": "ch", "balance_transaction": "txn"}.get(kind, kind[:3])
            return copy.deepcopy(self._new(kind, prefix, **values))

    def charge_fees(
        self,
        *,
        percent: str = "2.9",
        fixed: int = 30,
        balance_currency: str | None = None,
        exchange_rate: str | None = None,
    ) -> None:
        """From now on a charge gets its balance transaction as it succeeds, priced
        `percent` of the amount plus `fixed` minor units, in `balance_currency` (converted
        at `exchange_rate`) when that is not the charge's currency."""
        with self._lock:
            self.pricing = {
                "percent": Decimal(percent),
                "fixed": fixed,
                "balance_currency": balance_currency,
                "exchange_rate": exchange_rate,
            }

    def charge_settles(
        self,
        charge_id: str,
        *,
        fee: int | None = None,
        balance_currency: str | None = None,
        exchange_rate: str | None = None,
    ) -> dict:
        """The charge's balance transaction becomes available (gross, fee, net in the balance's currency)."""
        with self._lock:
            charge = self.objects[charge_id]
            pricing = self.pricing or {"percent": Decimal("2.9"), "fixed": 30}
            balance_currency = balance_currency or pricing.get("balance_currency") or charge["currency"]
            rate = exchange_rate or pricing.get("exchange_rate")
            amount = charge["amount"]
            if rate is not None:
                amount = int((Decimal(amount) * Decimal(rate)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
            if fee is None:
                fee = int((Decimal(amount) * pricing["percent"] / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
                fee += pricing["fixed"]
            txn = self._new(
                "balance_transaction",
                "txn",
                amount=amount,
                fee=fee,
                net=amount - fee,
                currency=balance_currency.lower(),
                source=charge_id,
                type="charge",
                reporting_category="charge",
                status="pending",
                exchange_rate=None if rate is None else float(rate),
                fee_details=[
                    {
                        "amount": fee,
                        "application": None,
                        "currency": balance_currency.lower(),
                        "description": "Stripe processing fees",
                        "type": "stripe_fee",
                    }
                ],
            )
            charge["balance_transaction"] = txn["id"]
            return copy.deepcopy(txn)

    def payout_settles(self, payout_id: str, balance_transaction_ids: list[str]) -> None:
        """Record which balance transactions a payout paid out (`GET /v1/balance_transactions?payout=`)."""
        with self._lock:
            self.payout_members.setdefault(payout_id, []).extend(balance_transaction_ids)

    def confirm(self, intent_id: str, card_number: str) -> dict:
        """The customer pays `intent_id` with `card_number`: the outcome Stripe's test card
        gives, with its webhook events sent to `on_event`. Raises a card error on a decline."""
        with self._lock:
            return copy.deepcopy(self._confirm(intent_id, {"payment_method_data": {"card": {"number": card_number}}}))

    def payout_pay(self, currency: str) -> dict | None:
        """Pay out every balance transaction in `currency` not paid out yet (Stripe's daily
        automatic payout), with its `payout.paid` event; None when there is nothing to pay."""
        with self._lock:
            paid = {txn for members in self.payout_members.values() for txn in members}
            due = [
                obj
                for obj in self.objects.values()
                if obj.get("object") == "balance_transaction"
                and obj["currency"] == currency.lower()
                and obj.get("type") != "payout"
                and obj["id"] not in paid
            ]
            total = sum(txn["net"] for txn in due)
            if not due or total <= 0:
                return None
            payout = self._new(
                "payout",
                "po",
                amount=total,
                currency=currency.lower(),
                status="paid",
                arrival_date=int(time.time()),
                balance_transaction=None,
                failure_code=None,
                failure_message=None,
            )
            self.payout_settles(payout["id"], [txn["id"] for txn in due])
            self._emit("payout.paid", payout)
            return copy.deepcopy(payout)

    def _emit(self, event_type: str, obj: dict) -> None:
        if self.on_event is not None:
            self.on_event(self.event(event_type, obj))

    def _confirm(self, intent_id: str, params: dict) -> dict:
        intent = self._get(intent_id, "payment_intent")
        secret = params.get("client_secret")
        if secret is not None and not secrets.compare_digest(str(secret), str(intent.get("client_secret"))):
            raise StripeApiError(400, "The client_secret provided does not match this PaymentIntent.")
        if intent["status"] not in ("requires_payment_method", "requires_confirmation"):
            raise StripeApiError(
                400,
                f"This PaymentIntent's status is {intent['status']}; it cannot be confirmed.",
                code="payment_intent_unexpected_state",
            )
        method_data = params.get("payment_method_data")
        card = method_data.get("card", {}) if isinstance(method_data, dict) else {}
        number = str(card.get("number") or TEST_PAYMENT_METHODS.get(params.get("payment_method"), ""))
        number = re.sub(r"\D", "", number)
        if number not in TEST_CARDS:
            raise StripeApiError(
                402,
                "Your card number is not one of the sandbox's test cards.",
                kind="card_error",
                code="incorrect_number",
            )
        outcome, decline_code = TEST_CARDS[number]
        if outcome == "declined":
            message = DECLINE_MESSAGES[decline_code]
            intent.update(
                status="requires_payment_method",
                last_payment_error={
                    "type": "card_error",
                    "code": "card_declined",
                    "decline_code": decline_code,
                    "message": message,
                },
            )
            self._emit("payment_intent.payment_failed", intent)
            raise StripeApiError(
                402,
                message,
                kind="card_error",
                code="card_declined",
                decline_code=decline_code,
                payment_intent=copy.deepcopy(intent),
            )
        self.payment_intent_set_status(intent_id, "succeeded")
        charge = self.objects[intent["latest_charge"]]
        if not charge["balance_transaction"]:
            self.charge_settles(charge["id"])
        self._emit("payment_intent.succeeded", intent)
        if outcome == "disputed":
            self._dispute_open(intent, charge)
        return intent

    def _dispute_open(self, intent: dict, charge: dict) -> None:
        """As with Stripe's 4000000000000259: the charge is disputed as fraudulent at once, the
        amount and the dispute fee withdrawn from the balance."""
        dispute = self._new(
            "dispute",
            "dp",
            amount=charge["amount"],
            currency=charge["currency"],
            charge=charge["id"],
            payment_intent=intent["id"],
            status="needs_response",
            reason="fraudulent",
            balance_transactions=[],
        )
        charge["disputed"] = True
        self._emit("charge.dispute.created", dispute)
        withdrawal = self._new(
            "balance_transaction",
            "txn",
            amount=-charge["amount"],
            fee=DISPUTE_FEE,
            net=-charge["amount"] - DISPUTE_FEE,
            currency=charge["currency"],
            source=charge["id"],
            type="adjustment",
            reporting_category="dispute",
            status="pending",
            fee_details=[
                {
                    "amount": DISPUTE_FEE,
                    "application": None,
                    "currency": charge["currency"],
                    "description": "Dispute fee",
                    "type": "stripe_fee",
                }
            ],
        )
        dispute["balance_transactions"] = [copy.deepcopy(withdrawal)]
        self._emit("charge.dispute.funds_withdrawn", dispute)

    # --- the API -------------------------------------------------------------------
    def _new(self, kind: str, prefix: str, **values) -> dict:
        obj = copy.deepcopy(self.shapes[kind])
        obj.update(id=f"{prefix}_{secrets.token_hex(12)}", created=int(time.time()), livemode=False)
        obj.update(values)  # may set `created` (e.g. a balance transaction of last week)
        self.objects[obj["id"]] = obj
        return obj

    def _get(self, object_id: str, kind: str) -> dict:
        obj = self.objects.get(object_id)
        if obj is None or obj.get("object") != kind:
            raise StripeApiError(404, f"No such {kind}: '{object_id}'")
        return obj

    def _create_payment_intent(self, params: dict) -> dict:
        if not params.get("amount", "").isdigit() or not params.get("currency"):
            raise StripeApiError(400, "amount and currency are required")
        intent = self._new(
            "payment_intent",
            "pi",
            amount=int(params["amount"]),
            currency=params["currency"],
            metadata=params.get("metadata", {}),
            status="requires_payment_method",
            latest_charge=None,
            amount_received=0,
            canceled_at=None,
            last_payment_error=None,
            next_action=None,
        )
        intent["client_secret"] = f"{intent['id']}_secret_{secrets.token_hex(8)}"
        return intent

    def _create_refund(self, params: dict) -> dict:
        intent = self._get(params.get("payment_intent", ""), "payment_intent")
        if intent["status"] != "succeeded" or not intent["latest_charge"]:
            raise StripeApiError(400, "This PaymentIntent has no successful charge to refund.")
        charge = self.objects[intent["latest_charge"]]
        amount = int(params.get("amount") or charge["amount"] - charge["amount_refunded"])
        if amount <= 0 or charge["amount_refunded"] + amount > charge["amount"]:
            raise StripeApiError(400, "Refund amount is greater than the unrefunded amount.")
        refund = self._new(
            "refund",
            "re",
            amount=amount,
            currency=charge["currency"],
            charge=charge["id"],
            payment_intent=intent["id"],
            status="succeeded",
            metadata=params.get("metadata", {}),
        )
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        charge["refunds"]["data"].insert(0, copy.deepcopy(refund))
        if self.on_event is not None:  # the sandbox: the refund leaves the balance, and the shop hears of it
            txn = self._new(
                "balance_transaction",
                "txn",
                amount=-amount,
                fee=0,
                net=-amount,
                currency=charge["currency"],
                source=refund["id"],
                type="refund",
                reporting_category="refund",
                status="pending",
                exchange_rate=None,
                fee_details=[],
            )
            refund["balance_transaction"] = txn["id"]
            self._emit("charge.refunded", charge)
        return refund

    def _list(self, kind: str, params: dict) -> dict:
        """A list page as Stripe sends it: newest first, `limit`, cursor `starting_after`,
        `created[gte|lt]` filters, and `payout=` for the balance transactions a payout settled."""
        rows = [obj for obj in self.objects.values() if obj.get("object") == kind]
        rows = [obj for _, obj in sorted(enumerate(rows), key=lambda p: (p[1]["created"], p[0]), reverse=True)]
        created = params.get("created", {})
        if isinstance(created, dict):
            if "gte" in created:
                rows = [obj for obj in rows if obj["created"] >= int(created["gte"])]
            if "lt" in created:
                rows = [obj for obj in rows if obj["created"] < int(created["lt"])]
        if params.get("payout"):
            members = set(self.payout_members.get(params["payout"], []))
            rows = [obj for obj in rows if obj["id"] in members]
        if params.get("starting_after"):
            ids = [obj["id"] for obj in rows]
            if params["starting_after"] not in ids:
                raise StripeApiError(400, f"No such object: '{params['starting_after']}'")
            rows = rows[ids.index(params["starting_after"]) + 1 :]
        limit = min(max(int(params.get("limit") or 10), 1), 100)
        return {"object": "list", "url": f"/v1/{kind}s", "has_more": len(rows) > limit, "data": rows[:limit]}

    def _route(self, method: str, path: str, params: dict) -> dict:
        with self._lock:
            if method == "GET" and path in ("/v1/balance_transactions", "/v1/payouts"):
                return self._list(path.removeprefix("/v1/").removesuffix("s"), params)
            if method == "POST" and path == "/v1/payment_intents":
                return self._create_payment_intent(params)
            if method == "POST" and path == "/v1/refunds":
                return self._create_refund(params)
            confirm = re.fullmatch(r"/v1/payment_intents/([^/]+)/confirm", path)
            if method == "POST" and confirm:
                return self._confirm(confirm.group(1), params)
            for prefix, kind in (
                ("/v1/payment_intents/", "payment_intent"),
                ("/v1/charges/", "charge"),
                ("/v1/refunds/", "refund"),
                ("/v1/disputes/", "dispute"),
                ("/v1/payouts/", "payout"),
                ("/v1/balance_transactions/", "balance_transaction"),
            ):
                if method == "GET" and path.startswith(prefix) and "/" not in path[len(prefix) :]:
                    return self._get(path[len(prefix) :], kind)
        raise StripeApiError(404, f"Unrecognized request URL ({method}: {path})")

    def _handle(self, method: str, path: str, body: str, key: str | None) -> tuple[int, dict]:
        with self._lock:
            self.requests.append((method, path, key))
            if self._failures:
                return self._failures.pop(0), {"error": {"type": "api_error", "message": "try again"}}
            if method == "POST" and key and (path, key) in self._replies:
                return self._replies[(path, key)]
            try:
                status, reply = 200, copy.deepcopy(self._route(method, path, _form_to_nested(body)))
            except StripeApiError as exc:
                status, reply = exc.status, exc.body
            if method == "POST" and key:
                self._replies[(path, key)] = (status, reply)
            return status, reply

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8") if length else ""
                parts = urlsplit(self.path)
                if method == "GET" and parts.path == "/v3/":
                    self._send(200, STRIPE_JS.read_bytes(), "text/javascript; charset=utf-8")
                    return
                if method == "GET" and parts.query:
                    body = parts.query
                status, reply = server._handle(method, parts.path, body, self.headers.get("Idempotency-Key"))
                self._send(status, json.dumps(reply).encode(), "application/json")

            def _send(self, status: int, data: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", f"req_{secrets.token_hex(6)}")
                # The stand-in for Stripe.js confirms from the shop's page, as Stripe.js does.
                self.send_header("Access-Control-Allow-Origin", "*")
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):  # noqa: N802
                self._serve("GET")

            def do_POST(self):  # noqa: N802
                self._serve("POST")

            def log_message(self, format, *args):  # noqa: A002
                pass

        return Handler
