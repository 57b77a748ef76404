"""Seed the private PostgreSQL cluster of a fault test, in a subprocess of its own.

The test process's Django is bound to the suite's test database; the private cluster
is reached by running this module with DATABASE_URL pointing at it:

    python -m tests.faults.private_db_seed payment --migrate --amount 2500 --currency EUR
        -> {"payment": pk, "intent": "pi_...", "accounts": [pk, ...]}
       (--migrate first migrates the empty database: one Django start instead of two)
    python -m tests.faults.private_db_seed delivery --body-file event.json
        -> {"delivery": pk}   (stored with its apply task in the outbox, as the webhook endpoint does)
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from ledger.models import LedgerAccount
    from ledger.services.journal import ledger_account_get
    from payments.services.payments import payment_create, payment_submit
    from payments.services.webhooks import webhook_delivery_record
    from tests.factories import CustomerFactory

    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    payment = commands.add_parser("payment")
    payment.add_argument("--amount", type=int, required=True)
    payment.add_argument("--currency", required=True)
    payment.add_argument("--migrate", action="store_true")
    delivery = commands.add_parser("delivery")
    delivery.add_argument("--body-file", type=Path, required=True)
    args = parser.parse_args()

    if args.command == "payment":
        if args.migrate:
            from django.core.management import call_command

            call_command("migrate", interactive=False, verbosity=0)
        created = payment_submit(
            payment=payment_create(customer=CustomerFactory(), amount=args.amount, currency=args.currency)
        )
        # The accounts the success entry posts to, made now so that the test can lock one.
        accounts = [
            ledger_account_get(code=code, currency=args.currency).pk
            for code in (LedgerAccount.GATEWAY_CLEARING, LedgerAccount.CUSTOMER_BALANCES)
        ]
        print(json.dumps({"payment": created.pk, "intent": created.gateway_reference, "accounts": accounts}))
    else:
        raw_body = args.body_file.read_text()
        event = json.loads(raw_body)
        stored, _ = webhook_delivery_record(
            provider="stripe", event_key=event["id"], event_type=event["type"], raw_body=raw_body
        )
        print(json.dumps({"delivery": stored.pk}))


if __name__ == "__main__":
    main()
