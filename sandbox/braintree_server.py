"""A fake Braintree gateway: a real threaded HTTP server on 127.0.0.1 (a free port in tests, a fixed one in
`python -m sandbox`).

The official SDK talks to it over HTTP exactly as it would to Braintree (point
`BRAINTREE_API_URL` at `server.url`): XML bodies under `/merchants/<id>/...`, HTTP
basic auth with the public and private keys. Requests arrive with the SDK's
underscore tags; replies use Braintree's dashed tags and `type=` attributes.

Served: client tokens; customers (create, find) and payment methods (vaulting a
nonce); transactions (sale, find, refund, void, submit_for_settlement, and the
two-step search `advanced_search_ids` + `advanced_search`); disputes (find).

Nonces: Braintree's fixed test nonces (`fake-valid-nonce`,
`fake-paypal-billing-agreement-nonce`, `fake-processor-declined-visa-nonce`, ...)
are reusable; `nonce()` mints a single-use one, as the Drop-in would.

Sandbox: `GET /dropin.js` serves a stand-in for the Drop-in, labelled "sandbox", that
hands the page one of the test nonces.

Test controls: `nonce`, `settle` (with an optional service fee), `decline_settlement`,
`dispute_open`, `dispute_close`, `fail_next` (transient 5xx), `requests` and `count`.
"""

from __future__ import annotations

import base64
import json
import secrets
import xml.etree.ElementTree as ET  # noqa: S405 - parses only what our own tests' SDK sends
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from sandbox.loopback import LoopbackServer

# A stand-in for the Drop-in (`GET /dropin.js`): the customer picks one of the test nonces.
DROPIN_JS = Path(__file__).resolve().parent / "braintree_dropin.js"
MERCHANT_ID = "fake_merchant"
PUBLIC_KEY = "fake_public_key"
PRIVATE_KEY = "fake_private_key"  # noqa: S105 - a test credential of the fake
DEFAULT_MERCHANT_ACCOUNT = "fake_merchant_usd"
CARD_NONCES = {"fake-valid-nonce", "fake-valid-visa-nonce"}
PAYPAL_NONCES = {"fake-paypal-billing-agreement-nonce", "fake-paypal-one-time-nonce", "fake-paypal-future-nonce"}
DECLINED_NONCES = {"fake-processor-declined-visa-nonce"}
CONSUMED_NONCE = "fake-consumed-nonce"
ARRAY_ITEM_TAGS = {"status_history": "status-event", "disputes": "dispute", "errors": "error"}


class BraintreeApiError(Exception):
    """An HTTP error status (404, 401, 5xx) or, with `errors`, a 422 validation error."""

    def __init__(self, status: int, message: str = "", errors: list[tuple[str, str, str]] | None = None):
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors or []


# --- XML both ways -------------------------------------------------------------------
def _xml(tag: str, value) -> str:
    name = tag.replace("_", "-")
    if value is None:
        return f'<{name} nil="true"/>'
    if isinstance(value, bool):
        return f'<{name} type="boolean">{str(value).lower()}</{name}>'
    if isinstance(value, int):
        return f'<{name} type="integer">{value}</{name}>'
    if isinstance(value, datetime):
        return f'<{name} type="datetime">{value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}</{name}>'
    if isinstance(value, date):
        return f'<{name} type="date">{value.isoformat()}</{name}>'
    if isinstance(value, list):
        item = ARRAY_ITEM_TAGS.get(tag, "item")
        return f'<{name} type="array">' + "".join(_xml(item, v) for v in value) + f"</{name}>"
    if isinstance(value, dict):
        return f"<{name}>" + "".join(_xml(k, v) for k, v in value.items()) + f"</{name}>"
    return f"<{name}>{escape(str(value))}</{name}>"


def _document(tag: str, value) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + _xml(tag, value)).encode()


def _node(element):
    if element.get("type") == "array":
        return [_node(child) for child in element]
    if len(element):
        result: dict = {}
        for child in element:
            key = child.tag.replace("-", "_")
            value = _node(child)
            if key in result:
                result[key] = (result[key] if isinstance(result[key], list) else [result[key]]) + [value]
            else:
                result[key] = value
        return result
    return element.text or ""


def _parse(body: str) -> dict:
    if not body.strip():
        return {}
    root = ET.fromstring(body)  # noqa: S314 - the body comes from the SDK in our own tests
    return {root.tag.replace("-", "_"): _node(root)}


def _when(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


class FakeBraintreeServer(LoopbackServer):
    def __init__(self, *, merchant_accounts: dict[str, str] | None = None, page_size: int = 50):
        super().__init__()
        # merchant account id -> its currency; the first is the default account
        self.merchant_accounts = merchant_accounts or {DEFAULT_MERCHANT_ACCOUNT: "USD"}
        self.page_size = page_size
        self.transactions: dict[str, dict] = {}
        self.customers: dict[str, dict] = {}
        self.payment_methods: dict[str, dict] = {}
        self.disputes: dict[str, dict] = {}
        self.requests: list[tuple[str, str]] = []
        self._nonces: dict[str, str] = {}  # minted single-use nonce -> "card" | "paypal"
        self._used: set[str] = set()
        self._failures: list[int] = []
        # Called with a sale's id once it is submitted for settlement (the sandbox settles it
        # and notifies the shop); unset in tests, which settle what they want.
        self.on_submitted: Callable[[str], None] | None = None

    # --- test controls -------------------------------------------------------------
    def nonce(self, kind: str = "paypal") -> str:
        """A one-time nonce, as the Drop-in hands the page after the customer approves."""
        with self._lock:
            value = f"tokencc_{secrets.token_hex(10)}"
            self._nonces[value] = kind
            return value

    def fail_next(self, count: int = 1, status: int = 503) -> None:
        with self._lock:
            self._failures.extend([status] * count)

    def count(self, method: str, path_end: str) -> int:
        return sum(1 for m, p in self.requests if m == method and p.endswith(path_end))

    def sales(self) -> list[dict]:
        return [t for t in self.transactions.values() if t["type"] == "sale"]

    def settle(self, transaction_id: str, *, service_fee: str | None = None, at: datetime | None = None) -> dict:
        """The nightly batch settles a submitted transaction."""
        with self._lock:
            txn = self.transactions[transaction_id]
            self._status(txn, "settled", at=at)
            if service_fee is not None:
                txn["service_fee_amount"] = service_fee
            return dict(txn)

    def decline_settlement(self, transaction_id: str) -> dict:
        with self._lock:
            txn = self.transactions[transaction_id]
            self._status(txn, "settlement_declined")
            return dict(txn)

    def dispute_open(self, transaction_id: str, amount: str | None = None, reason: str = "fraud") -> str:
        with self._lock:
            txn = self.transactions[transaction_id]
            now = datetime.now(UTC)
            dispute_id = secrets.token_hex(8)
            self.disputes[dispute_id] = {
                "id": dispute_id,
                "amount": amount or txn["amount"],
                "amount_disputed": amount or txn["amount"],
                "amount_won": "0.00",
                "currency_iso_code": txn["currency_iso_code"],
                "kind": "chargeback",
                "reason": reason,
                "status": "open",
                "created_at": now,
                "updated_at": now,
                "received_date": now.date(),
                "reply_by_date": now.date(),
                "evidence": [],
                "status_history": [{"status": "open", "timestamp": now}],
                "transaction": {"id": transaction_id, "amount": txn["amount"], "order_id": txn["order_id"]},
            }
            return dispute_id

    def dispute_close(self, dispute_id: str, status: str) -> None:
        with self._lock:
            dispute = self.disputes[dispute_id]
            dispute["status"] = status
            dispute["status_history"].append({"status": status, "timestamp": datetime.now(UTC)})

    # --- the API -------------------------------------------------------------------
    @staticmethod
    def _status(txn: dict, status: str, at: datetime | None = None) -> None:
        moment = at or datetime.now(UTC)
        txn["status"] = status
        txn["updated_at"] = moment
        txn["status_history"].append(
            {
                "amount": txn["amount"],
                "status": status,
                "timestamp": moment,
                "transaction_source": "api",
                "user": "fake",
            }
        )
        if status == "settled":
            txn["settled_at"] = moment

    def _take_nonce(self, nonce: str) -> str:
        """The kind of payment method behind `nonce`; a minted nonce works once."""
        if nonce in self._nonces:
            if nonce in self._used:
                raise BraintreeApiError(
                    422,
                    "Cannot use a payment_method_nonce more than once.",
                    [("93107", "payment_method_nonce", "Cannot use a nonce more than once.")],
                )
            self._used.add(nonce)
            return self._nonces[nonce]
        if nonce in CARD_NONCES:
            return "card"
        if nonce in PAYPAL_NONCES:
            return "paypal"
        if nonce in DECLINED_NONCES:
            return "declined"
        raise BraintreeApiError(
            422,
            "Unknown or expired payment_method_nonce.",
            [("91565", "payment_method_nonce", "Unknown or expired payment_method_nonce.")],
        )

    def _instrument(self, kind: str, token: str | None) -> tuple[str, dict]:
        if kind == "paypal":
            return "paypal", {
                "token": token,
                "payer_email": "payer@example.com",
                "payer_id": "FAKEPAYER",
                "payment_id": f"PAYID-{secrets.token_hex(6).upper()}",
            }
        return "credit_card", {
            "token": token,
            "bin": "411111",
            "last_4": "1111",
            "card_type": "Visa",
            "expiration_month": "12",
            "expiration_year": "2030",
            "expired": False,
        }

    def _vault(self, customer_id: str, kind: str) -> dict:
        if customer_id not in self.customers:
            raise BraintreeApiError(
                422, "Customer ID is invalid.", [("91510", "customer_id", "Customer ID is invalid.")]
            )
        token = secrets.token_hex(4)
        method = {
            "token": token,
            "customer_id": customer_id,
            "kind": kind,
            "default": True,
            "created_at": datetime.now(UTC),
        }
        self.payment_methods[token] = method
        return method

    def _sale(self, params: dict) -> dict:
        amount = params.get("amount", "")
        try:
            if Decimal(amount) <= 0:
                raise ValueError
        except Exception:
            raise BraintreeApiError(422, "Amount is invalid.", [("81503", "amount", "Amount is invalid.")]) from None
        account = params.get("merchant_account_id") or next(iter(self.merchant_accounts))
        if account not in self.merchant_accounts:
            raise BraintreeApiError(
                422,
                "Merchant account ID is invalid.",
                [("91513", "merchant_account_id", "Merchant account ID is invalid.")],
            )
        options = params.get("options") or {}
        customer_id = params.get("customer_id") or ""
        if params.get("payment_method_token"):
            method = self.payment_methods.get(params["payment_method_token"])
            if method is None:
                raise BraintreeApiError(
                    422,
                    "Payment method token is invalid.",
                    [("91518", "payment_method_token", "Payment method token is invalid.")],
                )
            kind, token, customer_id = method["kind"], method["token"], method["customer_id"]
        else:
            kind = self._take_nonce(params.get("payment_method_nonce", ""))
            token = None
        now = datetime.now(UTC)
        txn = {
            "id": secrets.token_hex(4),
            "type": "sale",
            "amount": str(Decimal(amount).quantize(Decimal("0.01"))),
            "currency_iso_code": self.merchant_accounts[account],
            "merchant_account_id": account,
            "order_id": params.get("order_id") or None,
            "status": "authorizing",
            "created_at": now,
            "updated_at": now,
            "status_history": [],
            "refund_ids": [],
            "refunded_transaction_id": None,
            "processor_response_code": "1000",
            "processor_response_text": "Approved",
            "disputes": [],
            "customer": {"id": customer_id or None},
        }
        if kind == "declined":
            txn.update(processor_response_code="2000", processor_response_text="Do Not Honor")
            self._status(txn, "processor_declined")
        else:
            self._status(txn, "authorized")
            if options.get("store_in_vault_on_success") == "true" and token is None:
                if not customer_id:
                    customer_id = secrets.token_hex(4)
                    self.customers[customer_id] = {"id": customer_id, "created_at": now, "updated_at": now}
                    txn["customer"] = {"id": customer_id}
                token = self._vault(customer_id, kind)["token"]
            if options.get("submit_for_settlement") == "true":
                self._status(txn, "submitted_for_settlement")
        instrument, details = self._instrument("paypal" if kind == "paypal" else "card", token)
        txn[instrument] = details
        txn["payment_instrument_type"] = "paypal_account" if kind == "paypal" else "credit_card"
        self.transactions[txn["id"]] = txn
        if kind == "declined":
            raise BraintreeApiError(422, "Do Not Honor", []) from _Declined(txn)
        if txn["status"] == "submitted_for_settlement" and self.on_submitted is not None:
            self.on_submitted(txn["id"])
        return txn

    def _transaction(self, transaction_id: str) -> dict:
        txn = self.transactions.get(transaction_id)
        if txn is None:
            raise BraintreeApiError(404)
        return txn

    def _refund(self, transaction_id: str, params: dict) -> dict:
        sale = self._transaction(transaction_id)
        if sale["type"] != "sale" or sale["status"] not in ("settled", "settling"):
            raise BraintreeApiError(
                422,
                "Cannot refund transaction unless it is settled.",
                [("91506", "base", "Cannot refund transaction unless it is settled.")],
            )
        refunded = sum(Decimal(self.transactions[i]["amount"]) for i in sale["refund_ids"])
        amount = Decimal(params.get("amount") or Decimal(sale["amount"]) - refunded)
        if amount <= 0 or refunded + amount > Decimal(sale["amount"]):
            raise BraintreeApiError(
                422, "Refund amount is too large.", [("91521", "amount", "Refund amount is too large.")]
            )
        now = datetime.now(UTC)
        credit = {
            **{k: v for k, v in sale.items() if k not in ("status_history", "refund_ids", "service_fee_amount")},
            "id": secrets.token_hex(4),
            "type": "credit",
            "amount": str(amount.quantize(Decimal("0.01"))),
            "order_id": params.get("order_id") or None,
            "refunded_transaction_id": sale["id"],
            "created_at": now,
            "updated_at": now,
            "status_history": [],
            "refund_ids": [],
        }
        credit.pop("settled_at", None)
        self._status(credit, "submitted_for_settlement")
        sale["refund_ids"].append(credit["id"])
        self.transactions[credit["id"]] = credit
        return credit

    def _void(self, transaction_id: str) -> dict:
        txn = self._transaction(transaction_id)
        if txn["status"] not in ("authorized", "submitted_for_settlement", "settlement_pending"):
            raise BraintreeApiError(
                422,
                "Transaction can only be voided if status is authorized, "
                "submitted_for_settlement, or - for PayPal - settlement_pending.",
                [("91504", "base", "Transaction can only be voided if status is authorized.")],
            )
        self._status(txn, "voided")
        return txn

    def _submit(self, transaction_id: str) -> dict:
        txn = self._transaction(transaction_id)
        if txn["status"] != "authorized":
            raise BraintreeApiError(
                422,
                "Cannot submit for settlement unless status is authorized.",
                [("91507", "base", "Cannot submit for settlement unless status is authorized.")],
            )
        self._status(txn, "submitted_for_settlement")
        if self.on_submitted is not None:
            self.on_submitted(txn["id"])
        return txn

    def _matches(self, txn: dict, criteria: dict) -> bool:
        for name, test in criteria.items():
            value = txn.get(name)
            if name == "ids":
                value = txn["id"]
            if isinstance(test, list):
                if value not in test:
                    return False
            elif isinstance(test, dict) and "is" in test:
                if (value or "") != test["is"]:
                    return False
            elif isinstance(test, dict) and ("min" in test or "max" in test):
                if not isinstance(value, datetime):
                    return False
                if "min" in test and value < _when(test["min"]):
                    return False
                if "max" in test and value > _when(test["max"]):
                    return False
            else:
                raise BraintreeApiError(422, f"the fake does not search on {name}={test!r}")
        return True

    def _search(self, criteria: dict) -> list[dict]:
        found = [t for t in self.transactions.values() if self._matches(t, criteria)]
        return sorted(found, key=lambda t: t["created_at"])

    def _route(self, method: str, path: str, params: dict) -> tuple[str, object]:
        prefix = f"/merchants/{MERCHANT_ID}"
        if not path.startswith(prefix + "/"):
            raise BraintreeApiError(404)
        parts = path[len(prefix) + 1 :].split("/")
        match method, parts:
            case "POST", ["client_token"]:
                fingerprint = secrets.token_hex(16)
                token = base64.b64encode(
                    json.dumps(
                        {
                            "version": 2,
                            "authorizationFingerprint": fingerprint,
                            "merchantId": MERCHANT_ID,
                            "configUrl": f"{self.url}{prefix}/client_api/v1/configuration",
                            "customerId": params.get("client_token", {}).get("customer_id") or None,
                        }
                    ).encode()
                ).decode()
                return "client_token", {"value": token}
            case "POST", ["customers"]:
                body = params.get("customer", {})
                customer_id = body.get("id") or secrets.token_hex(4)
                if customer_id in self.customers:
                    raise BraintreeApiError(
                        422,
                        "Customer ID has already been taken.",
                        [("91609", "id", "Customer ID has already been taken.")],
                    )
                now = datetime.now(UTC)
                self.customers[customer_id] = {"id": customer_id, "created_at": now, "updated_at": now}
                return "customer", self.customers[customer_id]
            case "GET", ["customers", customer_id]:
                if customer_id not in self.customers:
                    raise BraintreeApiError(404)
                return "customer", self.customers[customer_id]
            case "POST", ["payment_methods"]:
                body = params.get("payment_method", {})
                kind = self._take_nonce(body.get("payment_method_nonce", ""))
                if kind == "declined":
                    raise BraintreeApiError(422, "Do Not Honor", [("2000", "base", "Do Not Honor")])
                method = self._vault(body.get("customer_id", ""), kind)
                instrument, details = self._instrument(kind, method["token"])
                tag = "paypal_account" if instrument == "paypal" else "credit_card"
                return tag, {**details, "customer_id": method["customer_id"], "default": True}
            case "POST", ["transactions"]:
                return "transaction", self._sale(params.get("transaction", {}))
            case "POST", ["transactions", "advanced_search_ids"]:
                ids = [t["id"] for t in self._search(params.get("search", {}))]
                return "search_results", {"page_size": self.page_size, "ids": ids}
            case "POST", ["transactions", "advanced_search"]:
                found = self._search(params.get("search", {}))
                return "credit_card_transactions", {
                    "current_page_number": 1,
                    "page_size": self.page_size,
                    "total_items": len(found),
                    "transaction": found,
                }
            case "GET", ["transactions", transaction_id]:
                return "transaction", self._transaction(transaction_id)
            case "POST", ["transactions", transaction_id, "refund"]:
                return "transaction", self._refund(transaction_id, params.get("transaction") or {})
            case "PUT", ["transactions", transaction_id, "void"]:
                return "transaction", self._void(transaction_id)
            case "PUT", ["transactions", transaction_id, "submit_for_settlement"]:
                return "transaction", self._submit(transaction_id)
            case "GET", ["disputes", dispute_id]:
                if dispute_id not in self.disputes:
                    raise BraintreeApiError(404)
                return "dispute", self.disputes[dispute_id]
        raise BraintreeApiError(404)

    def _handle(self, method: str, path: str, body: str, authorization: str) -> tuple[int, bytes]:
        with self._lock:
            self.requests.append((method, path))
            if self._failures:
                return self._failures.pop(0), b""
            expected = "Basic " + base64.b64encode(f"{PUBLIC_KEY}:{PRIVATE_KEY}".encode()).decode()
            if authorization != expected:
                return 401, b""
            try:
                tag, reply = self._route(method, path, _parse(body))
            except BraintreeApiError as exc:
                if exc.status != 422:
                    return exc.status, b""
                return 422, self._error_document(exc)
            if tag == "credit_card_transactions":  # a collection, not an array: repeated <transaction>
                inner = "".join(_xml(k, v) for k, v in reply.items() if k != "transaction")
                inner += "".join(_xml("transaction", t) for t in reply["transaction"])
                return 200, f'<credit-card-transactions type="collection">{inner}</credit-card-transactions>'.encode()
            return 201 if method == "POST" else 200, _document(tag, reply)

    @staticmethod
    def _error_document(exc: BraintreeApiError) -> bytes:
        errors = [{"code": code, "attribute": attribute, "message": message} for code, attribute, message in exc.errors]
        body: dict = {"errors": {"errors": [], "transaction": {"errors": errors}}, "message": exc.message, "params": {}}
        declined = exc.__cause__
        if isinstance(declined, _Declined):
            body["transaction"] = declined.transaction
        return _document("api_error_response", body)

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8") if length else ""
                path = urlsplit(self.path).path
                if method == "GET" and path == "/dropin.js":
                    status, data, kind = 200, DROPIN_JS.read_bytes(), "text/javascript; charset=utf-8"
                else:
                    status, data = server._handle(method, path, body, self.headers.get("Authorization", ""))
                    kind = "application/xml; charset=utf-8"
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):  # noqa: N802
                self._serve("GET")

            def do_POST(self):  # noqa: N802
                self._serve("POST")

            def do_PUT(self):  # noqa: N802
                self._serve("PUT")

            def log_message(self, format, *args):  # noqa: A002
                pass

        return Handler


class _Declined(Exception):
    """Carries a processor-declined transaction into the 422 reply (Braintree returns
    the declined transaction inside its error response)."""

    def __init__(self, transaction: dict):
        super().__init__("declined")
        self.transaction = transaction
