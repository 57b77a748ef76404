"""The three fakes wired as a sandbox: fixed loopback ports, state kept under var/sandbox/,
and the providers' side of the story played out (a card payment's webhooks, a Braintree
sale settled, a bank transfer moving from pending to settled)."""

from __future__ import annotations

import json
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from sandbox import env
from sandbox.braintree_server import FakeBraintreeServer
from sandbox.plaid_server import FakePlaidServer
from sandbox.state import state_load, state_save
from sandbox.stripe_server import FakeStripeServer
from sandbox.webhooks import Poster, braintree_notification

BRAINTREE_FEE_PERCENT = Decimal("2.59")  # Braintree's card rate, plus 49 cents, on a settled sale
BRAINTREE_FEE_FIXED = Decimal("0.49")
EXCHANGE_SETTLES_SECONDS = 2


class Sandbox:
    def __init__(
        self,
        *,
        state_dir: Path,
        webhook_base: str = env.WEB_BASE,
        threaded: bool = True,
        ports: tuple[int, int, int] = (env.STRIPE_PORT, env.BRAINTREE_PORT, env.PLAID_PORT),
    ):
        self.state_dir, self.ports = state_dir, ports
        self.poster = Poster(webhook_base, threaded=threaded)
        self.stripe = FakeStripeServer()
        self.braintree = FakeBraintreeServer(merchant_accounts=dict(env.MERCHANT_ACCOUNTS))
        self.plaid = FakePlaidServer()
        self.stripe.charge_fees()  # every succeeded charge has its fee, as Stripe reports it
        self.stripe.on_event = self._stripe_event
        self.braintree.on_submitted = lambda txn_id: self.poster.later(lambda: self._braintree_settle(txn_id))
        self.plaid.on_transfer_created = self._transfer_moves
        self.plaid.on_item_exchanged = self._transactions_ready

    def environ(self) -> dict[str, str]:
        """The development environment (sandbox/env.py) pointed at where this sandbox listens
        (free ports in tests and `seed_demo`)."""
        actual = {env.STRIPE_URL: self.stripe.url, env.BRAINTREE_URL: self.braintree.url, env.PLAID_URL: self.plaid.url}
        result = {}
        for name, value in env.SANDBOX_ENV.items():
            for fixed, url in actual.items():
                value = value.replace(fixed, url)
            result[name] = value
        return result

    def settings(self) -> dict:
        """`environ()` as typed Django settings, for `override_settings(**box.settings())`."""
        from config.setting_definitions import settings_from_environment

        environ = self.environ()
        return settings_from_environment(environ, names=environ)

    def _servers(self):
        return zip(("stripe", "braintree", "plaid"), (self.stripe, self.braintree, self.plaid), self.ports, strict=True)

    def start(self) -> Sandbox:
        for name, server, port in self._servers():
            state_load(server, self.state_dir / f"{name}.pickle")
            server.start(port)
        return self

    def save(self) -> None:
        for name, server, _ in self._servers():
            state_save(server, self.state_dir / f"{name}.pickle")

    def stop(self) -> None:
        self.save()
        for _, server, _ in self._servers():
            server.stop()

    def _stripe_event(self, event: dict) -> None:
        self.poster.stripe(event, env.SANDBOX_ENV["STRIPE_WEBHOOK_SECRETS"].split(",")[0])

    def _braintree_settle(self, transaction_id: str) -> None:
        """The nightly batch, at once: the sale settles with Braintree's fee, and the shop is told."""
        amount = Decimal(self.braintree.transactions[transaction_id]["amount"])
        fee = (amount * BRAINTREE_FEE_PERCENT / 100 + BRAINTREE_FEE_FIXED).quantize(Decimal("0.01"), ROUND_HALF_UP)
        self.braintree.settle(transaction_id, service_fee=str(fee))
        self.poster.braintree(
            braintree_notification(
                merchant_id=env.SANDBOX_ENV["BRAINTREE_MERCHANT_ID"],
                public_key=env.SANDBOX_ENV["BRAINTREE_PUBLIC_KEY"],
                private_key=env.SANDBOX_ENV["BRAINTREE_PRIVATE_KEY"],
                kind="transaction_settled",
                subject_id=transaction_id,
            )
        )

    def _plaid_webhook(self, payload: dict) -> None:
        body = json.dumps(dict(payload, environment="sandbox")).encode()
        self.poster.plaid(body, self.plaid.sign_webhook(body))

    def _transfer_moves(self, transfer_id: str) -> None:
        """An ACH transfer is pending at once, then posted and settled; Plaid tells the shop
        there are transfer events to sync."""
        for event_type in ("pending", "posted", "settled"):
            self.plaid.transfer_event_add(transfer_id, event_type)
        self._plaid_webhook({"webhook_type": "TRANSFER", "webhook_code": "TRANSFER_EVENTS_UPDATE"})

    def _transactions_ready(self, item_id: str) -> None:
        """As Plaid does after a link: the item's transactions are ready to sync. Posted after
        a pause, so that the shop's exchange has committed the item the webhook names."""
        self.poster.later(lambda: time.sleep(EXCHANGE_SETTLES_SECONDS))
        self._plaid_webhook(
            {
                "webhook_type": "TRANSACTIONS",
                "webhook_code": "SYNC_UPDATES_AVAILABLE",
                "item_id": item_id,
                "initial_update_complete": True,
                "historical_update_complete": True,
            }
        )
