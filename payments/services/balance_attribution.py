"""Attributing customer balances booked before the ledger kept one account per customer.

Posted entries never change, so money credited to the single, customer-less
`customer_balances` account stays there until an adjusting entry moves it. This finds
each posting's business event from its entry's idempotency key (a payment, its refunds,
a dispute, a bank transfer's settlement, or the reversal of one), sums them per customer
and currency, and posts one audited entry per customer and currency: the pooled account
debited, the customer's own account credited by the same amount. Postings whose event
names no customer stay pooled. Running it again posts nothing new for a customer already
attributed (the key is per customer and currency).
"""

from __future__ import annotations

import re
from collections import defaultdict

from django.apps import apps
from django.db import transaction

from ledger.models import JournalEntry, LedgerAccount, Posting
from ledger.services.journal import PostingLine, customer_balance_account_get, journal_entry_post
from payments.models import Dispute, Payment

_PAYMENT = re.compile(r"^payment-(\d+)-(?:succeeded|refunded-to-\d+)$")
_DISPUTE = re.compile(r"^dispute-(\d+)-funds-")
_TRANSFER = re.compile(r"^banking-transfer-(\d+)-settled$")


def _customer_of(entry: JournalEntry) -> int | None:
    key = entry.reverses.idempotency_key if entry.reverses_id else entry.idempotency_key
    if match := _PAYMENT.match(key):
        return Payment.objects.filter(pk=match[1]).values_list("customer_id", flat=True).first()
    if match := _DISPUTE.match(key):
        return Dispute.objects.filter(pk=match[1]).values_list("payment__customer_id", flat=True).first()
    if match := _TRANSFER.match(key):
        # The ledger does not import banking (banking posts through the ledger); the model
        # is looked up by name so the dependency keeps pointing one way.
        transfers = apps.get_model("banking", "Transfer").objects
        return transfers.filter(pk=match[1]).values_list("customer_id", flat=True).first()
    return None


def attribution_key(*, customer_id: int, currency: str) -> str:
    return f"customer-balance-attribution-{customer_id}-{currency}"


def customer_balances_attribute(*, actor=None) -> int:
    """Move each customer's share of the pooled customer balances to their own account;
    the number of entries posted."""
    pooled = Posting.objects.filter(account__code=LedgerAccount.CUSTOMER_BALANCES, account__customer__isnull=True)
    totals: dict[tuple[int, str], int] = defaultdict(int)
    for posting in pooled.select_related("entry__reverses", "account").exclude(
        entry__idempotency_key__startswith="customer-balance-attribution-"
    ):
        customer_id = _customer_of(posting.entry)
        if customer_id is not None:
            totals[(customer_id, posting.currency)] += posting.amount
    Customer = apps.get_model("fintech", "Customer")  # noqa: N806
    posted = 0
    for (customer_id, currency), total in sorted(totals.items()):
        key = attribution_key(customer_id=customer_id, currency=currency)
        if total == 0 or JournalEntry.objects.filter(idempotency_key=key).exists():
            continue
        with transaction.atomic():
            customer = Customer.objects.get(pk=customer_id)
            pooled_account = LedgerAccount.objects.get(
                code=LedgerAccount.CUSTOMER_BALANCES, currency=currency, customer__isnull=True
            )
            journal_entry_post(
                lines=[
                    PostingLine(pooled_account, -total),
                    PostingLine(customer_balance_account_get(customer=customer, currency=currency), total),
                ],
                description=f"Customer balance attributed to customer {customer.external_id}",
                idempotency_key=key,
                actor=actor,
            )
        posted += 1
    return posted
