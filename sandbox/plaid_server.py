"""A fake Plaid API: a real threaded HTTP server on 127.0.0.1 (a free port in tests, a fixed one in
`python -m sandbox`).

The official SDK talks to it over HTTP as it would to Plaid (point `PLAID_HOST` at
`server.url`). Every answer starts from the endpoint's example in Plaid's OpenAPI file
(`tests/data/plaid/2020-09-14.yml.gz`, read once per process), with our values
laid over it, so every field the SDK requires is present.

Test controls: `item_add` (a customer's bank login, returns a public token),
`transactions_push` (a page of added/modified/removed for an item's next sync),
`mutation_during_pagination_once`, `item_fail_with` (Plaid errors for an item),
`transfer_event_add`, `authorization_decision`, and `sign_webhook` (a Plaid-Verification JWT
signed with the server's EC P-256 key, served by `/webhook_verification_key/get`).

Sandbox: `GET /link-initialize.js` serves a stand-in for Plaid Link, labelled "sandbox": the
customer picks one of `SANDBOX_INSTITUTIONS` and the account holder's name, and the page's
browser calls `POST /sandbox/link/complete` (no API keys: it is what Link does for the
customer), which adds the item with a first page of transactions and returns its public
token. `on_transfer_created` hears of each new transfer (the sandbox moves it along), and
`on_item_exchanged` of each item the shop took over (the sandbox says its transactions are ready).
"""

from __future__ import annotations

import copy
import datetime
import gzip
import hashlib
import json
import os
import secrets
import threading
import time
import traceback
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import jwt
import yaml
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from sandbox.loopback import LoopbackServer

SPEC = Path(os.environ.get("PLAID_SPEC", Path(__file__).resolve().parents[1] / "tests/data/plaid/2020-09-14.yml.gz"))
ENDPOINTS = (
    "/link/token/create",
    "/item/public_token/exchange",
    "/accounts/get",
    "/accounts/balance/get",
    "/auth/get",
    "/identity/get",
    "/institutions/get_by_id",
    "/transactions/sync",
    "/webhook_verification_key/get",
    "/transfer/authorization/create",
    "/transfer/create",
    "/transfer/event/sync",
)
CLIENT_ID, SECRET = "fake-client-id", "fake-secret"
LINK_JS = Path(__file__).resolve().parent / "plaid_link.js"
# Institutions offered by the sandbox's Link, with ids and names from Plaid's sandbox.
SANDBOX_INSTITUTIONS = {
    "ins_109508": "First Platypus Bank",
    "ins_109509": "First Gingham Credit Union",
    "ins_109512": "Houndstooth Bank",
}
# A first page of card and bank activity for a newly linked sandbox item: (name, amount in dollars, days ago).
SANDBOX_ACTIVITY = (
    ("Payroll ACME Corp", -2450.00, 14),
    ("Whole Foods", 86.41, 12),
    ("Uber", 23.50, 9),
    ("Rent - Oak Street", 1650.00, 7),
    ("Starbucks", 5.75, 3),
    ("Cash deposit", -9500.00, 2),
)
_examples: dict[str, dict] = {}
_examples_lock = threading.Lock()


def examples() -> dict[str, dict]:
    """The 200 example of each endpoint we fake, from Plaid's OpenAPI file (parsed once)."""
    with _examples_lock:
        if not _examples:
            text = gzip.decompress(SPEC.read_bytes()) if SPEC.suffix == ".gz" else SPEC.read_bytes()
            spec = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
            for path in ENDPOINTS:
                content = spec["paths"][path]["post"]["responses"]["200"]["content"]["application/json"]
                _examples[path] = content["examples"]["example-1"]["value"]
        return copy.deepcopy(_examples)


class PlaidApiError(Exception):
    def __init__(self, code: str, message: str = "", error_type: str = "INVALID_REQUEST", status: int = 400):
        super().__init__(code)
        self.status = status
        self.body = {
            "error_type": error_type,
            "error_code": code,
            "error_message": message or code,
            "display_message": None,
            "request_id": secrets.token_hex(6),
        }


def _id(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(27)[:37]


class FreshCopies(dict):
    """Response examples: every read is a fresh deep copy, so a handler may fill one in
    without changing the template (or an object an earlier response handed out)."""

    def __getitem__(self, key):
        return copy.deepcopy(super().__getitem__(key))


class FakePlaidServer(LoopbackServer):
    def __init__(self):
        super().__init__()
        self.shapes = FreshCopies(examples())
        self.items: dict[str, dict] = {}  # item_id -> state
        self.public_tokens: dict[str, str] = {}  # public token -> item_id (single use)
        self.requests: list[tuple[str, dict]] = []
        self.authorization_decision = "approved"
        self.transfers: dict[str, dict] = {}
        self.transfer_events: list[dict] = []
        self._idempotent: dict[tuple[str, str], dict] = {}
        self._mutation_once = False
        self.on_transfer_created: Callable[[str], None] | None = None
        self.on_item_exchanged: Callable[[str], None] | None = None
        self.signing_key = ec.generate_private_key(ec.SECP256R1())
        self.kid = _id("kid-")

    def count(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)

    # --- test controls -------------------------------------------------------------
    def item_add(
        self,
        *,
        institution_id: str = "ins_109512",
        institution_name: str = "Houndstooth Bank",
        owner_names: tuple[str, ...] = ("Alberta Bobbeth Charleson",),
        accounts: list[dict] | None = None,
    ) -> str:
        """A bank login a customer completes in Link; returns the public token Link hands over.

        Accounts default to the identity example's checking and savings accounts, with fresh ids."""
        with self._lock:
            item_id = _id()
            raw_accounts = accounts or [
                {k: v for k, v in a.items() if k != "owners"} for a in self.shapes["/identity/get"]["accounts"]
            ]
            state = {
                "item_id": item_id,
                "access_token": f"access-sandbox-{secrets.token_hex(16)}",
                "institution_id": institution_id,
                "institution_name": institution_name,
                "accounts": [dict(copy.deepcopy(a), account_id=_id()) for a in raw_accounts],
                "owner_names": list(owner_names),
                "pages": [],
                "error": None,
            }
            for number, account in enumerate(state["accounts"]):
                account["mask"] = f"{1000 + number}"[-4:]
            self.items[item_id] = state
            public_token = f"public-sandbox-{secrets.token_hex(16)}"
            self.public_tokens[public_token] = item_id
            return public_token

    def item(self, item_id: str) -> dict:
        return self.items[item_id]

    def item_fail_with(self, item_id: str, code: str | None, error_type: str = "ITEM_ERROR") -> None:
        """Make every later call for the item fail with Plaid error `code` (None: stop failing)."""
        with self._lock:
            self.items[item_id]["error"] = (code, error_type) if code else None

    def transaction(
        self,
        account_id: str,
        *,
        amount: float = 12.34,
        name: str = "Coffee",
        transaction_id: str = "",
        pending: bool = False,
        date: str = "2026-11-20",
        currency: str = "USD",
    ) -> dict:
        raw = copy.deepcopy(self.shapes["/transactions/sync"]["added"][0])
        raw.update(
            account_id=account_id,
            amount=amount,
            name=name,
            merchant_name=name,
            pending=pending,
            date=date,
            transaction_id=transaction_id or _id(),
            iso_currency_code=currency,
            pending_transaction_id=None,
        )
        return raw

    def transactions_push(self, item_id: str, *, added=(), modified=(), removed=()) -> None:
        """One page of updates, returned by the sync call made with the cursor before it."""
        with self._lock:
            self.items[item_id]["pages"].append(
                {
                    "added": list(added),
                    "modified": list(modified),
                    "removed": [
                        {"account_id": r["account_id"], "transaction_id": r["transaction_id"]} for r in removed
                    ],
                }
            )

    def mutation_during_pagination_once(self) -> None:
        """The next sync call that continues a pagination (cursor past the first page) fails once."""
        self._mutation_once = True

    def transfer_event_add(self, transfer_id: str, event_type: str, failure_reason: str | None = None) -> dict:
        with self._lock:
            event = copy.deepcopy(self.shapes["/transfer/event/sync"]["transfer_events"][0])
            transfer = self.transfers[transfer_id]
            event.update(
                event_id=len(self.transfer_events) + 1,
                transfer_id=transfer_id,
                event_type=event_type,
                account_id=transfer["account_id"],
                transfer_amount=transfer["amount"],
                transfer_type=transfer["type"],
                timestamp=_now_iso(),
                failure_reason={"failure_code": "R01", "description": failure_reason} if failure_reason else None,
            )
            self.transfer_events.append(event)
            return event

    def link_complete(self, params: dict) -> dict:
        """What the sandbox's Link hands the page: the customer logged in at an institution."""
        institution_id = params.get("institution_id")
        owner = str(params.get("owner_name") or "").strip()[:100]
        if institution_id not in SANDBOX_INSTITUTIONS or not owner:
            raise PlaidApiError("INVALID_FIELD", "choose an institution and give the account holder's name")
        with self._lock:
            joint = str(params.get("joint_owner_name") or "").strip()[:100]
            owners = (owner, joint) if joint else (owner,)
            public_token = self.item_add(
                institution_id=institution_id, owner_names=owners, institution_name=SANDBOX_INSTITUTIONS[institution_id]
            )
            item = self.items[self.public_tokens[public_token]]
            today = datetime.datetime.now(datetime.UTC).date()
            self.transactions_push(
                item["item_id"],
                added=[
                    self.transaction(
                        item["accounts"][0]["account_id"],
                        name=name,
                        amount=amount,
                        date=(today - datetime.timedelta(days=days)).isoformat(),
                    )
                    for name, amount, days in SANDBOX_ACTIVITY
                ],
            )
            return {
                "public_token": public_token,
                "metadata": {
                    "institution": {"institution_id": institution_id, "name": SANDBOX_INSTITUTIONS[institution_id]},
                    "accounts": [
                        {"id": a["account_id"], "name": a["name"], "mask": a["mask"]} for a in item["accounts"]
                    ],
                },
            }

    # --- webhooks ------------------------------------------------------------------
    def public_jwk(self) -> dict:
        return ECAlgorithm.to_jwk(self.signing_key.public_key(), as_dict=True)

    def sign_webhook(
        self, body: bytes, *, iat: int | None = None, kid: str | None = None, body_sha256: str | None = None, key=None
    ) -> str:
        """The Plaid-Verification header value for `body`, as Plaid signs it (ES256)."""
        claims = {
            "iat": int(time.time()) if iat is None else iat,
            "request_body_sha256": body_sha256 or hashlib.sha256(body).hexdigest(),
        }
        return jwt.encode(
            claims, key or self.signing_key, algorithm="ES256", headers={"kid": kid or self.kid, "typ": "JWT"}
        )

    # --- the API -------------------------------------------------------------------
    def _item_by_token(self, access_token: str) -> dict:
        for item in self.items.values():
            if item["access_token"] == access_token:
                if item["error"]:
                    code, error_type = item["error"]
                    raise PlaidApiError(code, error_type=error_type)
                return item
        raise PlaidApiError("INVALID_ACCESS_TOKEN", error_type="INVALID_INPUT")

    def _item_block(self, item: dict, example: dict) -> dict:
        block = copy.deepcopy(example["item"])
        block.update(
            item_id=item["item_id"], institution_id=item["institution_id"], institution_name=item["institution_name"]
        )
        return block

    def _accounts(self, item: dict, path: str) -> dict:
        body = self.shapes[path]
        if path == "/identity/get":
            owner = copy.deepcopy(body["accounts"][0]["owners"][0])
            owner["names"] = item["owner_names"]
        body["accounts"] = copy.deepcopy(item["accounts"])
        if path == "/identity/get":
            for account in body["accounts"]:
                account["owners"] = [owner]
        if path == "/auth/get":
            ach = body["numbers"]["ach"][0]
            body["numbers"] = {
                "ach": [dict(ach, account_id=a["account_id"], account=f"99000{a['mask']}") for a in item["accounts"]],
                "eft": [],
                "international": [],
                "bacs": [],
            }
        body["item"] = self._item_block(item, body)
        return body

    def _sync(self, params: dict) -> dict:
        item = self._item_by_token(params.get("access_token", ""))
        cursor = params.get("cursor") or ""
        position = int(cursor.removeprefix("c")) if cursor else 0
        if self._mutation_once and position > 0:
            self._mutation_once = False
            raise PlaidApiError("TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION", error_type="TRANSACTIONS_ERROR")
        pages = item["pages"]
        page = pages[position] if position < len(pages) else {"added": [], "modified": [], "removed": []}
        body = self.shapes["/transactions/sync"]
        body.update(
            page,
            accounts=copy.deepcopy(item["accounts"]),
            next_cursor=f"c{min(position + 1, len(pages))}",
            has_more=position + 1 < len(pages),
        )
        return body

    def _authorize(self, params: dict) -> dict:
        item = self._item_by_token(params.get("access_token", ""))
        if params.get("account_id") not in {a["account_id"] for a in item["accounts"]}:
            raise PlaidApiError("INVALID_ACCOUNT_ID", error_type="INVALID_INPUT")
        body = self.shapes["/transfer/authorization/create"]
        auth = body["authorization"]
        auth.update(id=_id("auth-"), decision=self.authorization_decision, created=_now_iso())
        if self.authorization_decision != "approved":
            auth["decision_rationale"] = {"code": "NSF", "description": "Insufficient funds"}
        # plaid-python 46 requires requested_amount, which this spec's example predates.
        proposed = auth["proposed_transfer"]
        proposed.update(
            account_id=params["account_id"],
            type=params["type"],
            amount=params["amount"],
            requested_amount=params["amount"],
            user=dict(proposed["user"], legal_name=params["user"]["legal_name"]),
        )
        self.transfers[auth["id"]] = {"authorization": auth, "params": params}
        return body

    def _create_transfer(self, params: dict) -> dict:
        self._item_by_token(params.get("access_token", ""))
        authorization = self.transfers.get(params.get("authorization_id", ""))
        if authorization is None or authorization["authorization"]["decision"] != "approved":
            raise PlaidApiError("TRANSFER_AUTHORIZATION_NOT_FOUND", error_type="TRANSFER_ERROR")
        body = self.shapes["/transfer/create"]
        proposed = authorization["authorization"]["proposed_transfer"]
        body["transfer"].update(
            id=_id("tr-"),
            authorization_id=params["authorization_id"],
            status="pending",
            account_id=params["account_id"],
            type=proposed["type"],
            amount=proposed["amount"],
            description=params["description"],
            created=_now_iso(),
        )
        self.transfers[body["transfer"]["id"]] = body["transfer"]
        if self.on_transfer_created is not None:
            self.on_transfer_created(body["transfer"]["id"])
        return body

    def _route(self, path: str, params: dict) -> dict:
        if path == "/link/token/create":
            body = self.shapes[path]
            body["link_token"] = f"link-sandbox-{secrets.token_hex(12)}"
            body["expiration"] = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=4)).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            )
            return body
        if path == "/item/public_token/exchange":
            item_id = self.public_tokens.pop(params.get("public_token", ""), None)
            if item_id is None:
                raise PlaidApiError("INVALID_PUBLIC_TOKEN", error_type="INVALID_INPUT")
            if self.on_item_exchanged is not None:
                self.on_item_exchanged(item_id)
            return dict(self.shapes[path], item_id=item_id, access_token=self.items[item_id]["access_token"])
        if path in ("/accounts/get", "/accounts/balance/get", "/auth/get", "/identity/get"):
            return self._accounts(self._item_by_token(params.get("access_token", "")), path)
        if path == "/institutions/get_by_id":
            body = self.shapes[path]
            names = {i["institution_id"]: i["institution_name"] for i in self.items.values()}
            if params.get("institution_id") not in names:
                raise PlaidApiError("INVALID_INSTITUTION", error_type="INVALID_INPUT")
            # plaid-python 46 requires connection_availability, which this spec's example predates.
            body["institution"].update(
                institution_id=params["institution_id"],
                name=names[params["institution_id"]],
                connection_availability="SUPPORTED",
            )
            return body
        if path == "/transactions/sync":
            return self._sync(params)
        if path == "/webhook_verification_key/get":
            if params.get("key_id") != self.kid:
                raise PlaidApiError("INVALID_WEBHOOK_VERIFICATION_KEY_ID", error_type="INVALID_INPUT")
            body = self.shapes[path]
            body["key"].update(self.public_jwk(), kid=self.kid, alg="ES256", use="sig", expired_at=None)
            return body
        if path == "/transfer/authorization/create":
            return self._authorize(params)
        if path == "/transfer/create":
            return self._create_transfer(params)
        if path == "/transfer/event/sync":
            body = self.shapes[path]
            after, count = int(params.get("after_id", 0)), int(params.get("count", 25))
            events = [e for e in self.transfer_events if e["event_id"] > after]
            body.update(transfer_events=copy.deepcopy(events[:count]), has_more=len(events) > count)
            return body
        raise PlaidApiError("NOT_FOUND", status=404)

    def handle(self, path: str, headers, raw: bytes) -> tuple[int, dict]:
        with self._lock:
            try:
                params = json.loads(raw or b"{}")
                self.requests.append((path, params))
                if headers.get("PLAID-CLIENT-ID") != CLIENT_ID or headers.get("PLAID-SECRET") != SECRET:
                    raise PlaidApiError("INVALID_API_KEYS", error_type="INVALID_INPUT")
                key = params.get("idempotency_key")
                if key and (path, key) in self._idempotent:
                    return 200, copy.deepcopy(self._idempotent[(path, key)])
                self.shapes = FreshCopies(examples())
                body = self._route(path, params)
                body["request_id"] = secrets.token_hex(6)
                if key:
                    self._idempotent[(path, key)] = copy.deepcopy(body)
                return 200, body
            except PlaidApiError as exc:
                return exc.status, exc.body
            except Exception as exc:  # a bug in the fake: answer 500 and say what broke
                traceback.print_exc()
                return 500, PlaidApiError("INTERNAL_SERVER_ERROR", repr(exc), "API_ERROR", 500).body

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the http.server API)
                if self.path == "/link-initialize.js":
                    self._send(200, LINK_JS.read_bytes(), "text/javascript; charset=utf-8")
                else:
                    self._send(404, b"{}", "application/json")

            def do_POST(self):  # noqa: N802 (the http.server API)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path == "/sandbox/link/complete":
                    try:
                        status, body = 200, server.link_complete(json.loads(raw or b"{}"))
                    except (PlaidApiError, ValueError) as exc:
                        status, body = 400, getattr(exc, "body", {"error_message": "invalid body"})
                else:
                    status, body = server.handle(self.path, self.headers, raw)
                self._send(status, json.dumps(body).encode(), "application/json")

            def _send(self, status: int, payload: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                # The stand-in for Link calls the sandbox from the shop's page, as Link does Plaid.
                self.send_header("Access-Control-Allow-Origin", "*")
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        return Handler


def _now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
