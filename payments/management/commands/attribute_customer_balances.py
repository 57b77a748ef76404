"""`python manage.py attribute_customer_balances`: move balances booked to the pooled
`customer_balances` account, before it had one account per customer, to each customer's
own account (see `payments.services.balance_attribution`). Safe to run again."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from payments.services.balance_attribution import customer_balances_attribute


class Command(BaseCommand):
    help = "Attribute pooled customer balances to each customer's own ledger account (once per customer)."

    def handle(self, *args, **options):
        posted = customer_balances_attribute()
        self.stdout.write(f"{posted} attribution entr{'y' if posted == 1 else 'ies'} posted")
