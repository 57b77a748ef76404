"""Balances booked to the pooled customer_balances account before it had one account per
customer are moved to each customer's own account, once, by an audited entry."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from fintech.models import AuditEvent
from ledger.models import LedgerAccount, Posting
from ledger.selectors import available_balance
from ledger.services.journal import PostingLine, journal_entry_post, ledger_account_get
from payments.models import Payment
from payments.services.payments import payment_create
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _legacy_payment(customer, amount: int) -> Payment:
    """A succeeded payment as the ledger booked it before: to the pooled account."""
    payment = payment_create(customer=customer, amount=amount, currency="USD")
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.SUCCEEDED)
    journal_entry_post(
        lines=[
            PostingLine(ledger_account_get(code=LedgerAccount.GATEWAY_CLEARING, currency="USD"), amount),
            PostingLine(ledger_account_get(code=LedgerAccount.CUSTOMER_BALANCES, currency="USD"), -amount),
        ],
        description=f"Payment #{payment.pk} succeeded",
        idempotency_key=f"payment-{payment.pk}-succeeded",
    )
    return payment


def test_pooled_balances_move_to_each_customers_account_once(capsys):
    alice, bob = CustomerFactory(), CustomerFactory()
    _legacy_payment(alice, 1_000)
    _legacy_payment(alice, 500)
    _legacy_payment(bob, 700)
    _legacy_payment(None, 300)  # a payment from no one we know stays pooled
    assert available_balance(customer=alice, currency="USD") == 0
    # when
    call_command("attribute_customer_balances")
    # then
    assert "2 attribution entries posted" in capsys.readouterr().out
    assert available_balance(customer=alice, currency="USD") == 1_500
    assert available_balance(customer=bob, currency="USD") == 700
    pooled = Posting.objects.filter(account__code=LedgerAccount.CUSTOMER_BALANCES, account__customer__isnull=True)
    assert sum(pooled.values_list("amount", flat=True)) == -300
    assert (
        AuditEvent.objects.filter(
            action="payments.journal_entry.posted", after__idempotency_key__startswith="customer-balance-attribution-"
        ).count()
        == 2
    )
    # running it again moves nothing more
    call_command("attribute_customer_balances")
    assert "0 attribution entries posted" in capsys.readouterr().out
    assert available_balance(customer=alice, currency="USD") == 1_500
