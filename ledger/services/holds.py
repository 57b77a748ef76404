"""Holds on a customer's balance: money promised to a movement that has not settled yet.

A hold is placed only under the row lock of the customer's balance account and only up
to the available balance (`ledger.selectors.available_balance`), so two movements
racing for the same funds are serialised and the second sees the first one's hold.
It ends once: captured when the settlement entry moves the money, or released when the
movement fails before it settles. Each change is a conditional update with its audit
event, in the caller's transaction. The events keep the `payments.ledger_hold.*` names
they had while the ledger was part of payments: the trail is evidence, and a query by
action must find events from before and after the move.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from fintech.models import Customer
from fintech.money import format_money, normalise_currency
from fintech.services.audit import audit_event_record
from fintech.truncation import truncate_to_field
from ledger.account_cache import account_ids
from ledger.errors import InsufficientFundsError
from ledger.models import LedgerAccount, LedgerHold
from ledger.selectors import account_available_balance
from ledger.services.journal import customer_balance_account_get


def customer_balance_account_lock(*, customer: Customer, currency: str) -> LedgerAccount:
    """`customer`'s balance account in `currency`, locked (`SELECT ... FOR UPDATE`) until
    the caller's transaction ends. Whoever checks or spends the customer's funds takes
    this lock: it is the one lock that serialises them. Take it after the row of the
    business record (payment, transfer), so two movements of one customer lock in the
    same order."""
    currency = normalise_currency(currency)
    accounts = LedgerAccount.objects.select_for_update(of=("self",))
    # By identity, not by a remembered id (ledger.account_cache): the row locked is the
    # customer's account as the database has it now.
    account = accounts.filter(code=LedgerAccount.CUSTOMER_BALANCES, currency=currency, customer=customer).first()
    if account is None:  # first use (or a remembered id whose row is gone): create it, then lock it
        account_ids.forget((LedgerAccount.CUSTOMER_BALANCES, currency, customer.pk))
        customer_balance_account_get(customer=customer, currency=currency)
        account = accounts.get(code=LedgerAccount.CUSTOMER_BALANCES, currency=currency, customer=customer)
    return account


def ledger_hold_place(
    *,
    customer: Customer,
    amount: int,
    currency: str,
    reference: str,
    description: str = "",
    actor=None,
) -> LedgerHold:
    """Hold `amount` of `customer`'s available balance for the movement `reference`.

    Raises `InsufficientFundsError` (and holds nothing) when the available balance is
    short. Idempotent per `reference`: placing it again returns the first hold.
    """
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise InsufficientFundsError(f"a hold is a positive int of minor units, not {amount!r}")
    currency = normalise_currency(currency)
    with transaction.atomic():
        account = customer_balance_account_lock(customer=customer, currency=currency)
        existing = LedgerHold.objects.filter(reference=reference).first()
        if existing is not None:
            return existing
        available = account_available_balance(account=account)
        if amount > available:
            raise InsufficientFundsError(
                f"{format_money(amount, currency)} asked, {format_money(max(available, 0), currency)} available"
            )
        try:
            with transaction.atomic():
                hold = LedgerHold.objects.create(
                    account=account,
                    amount=amount,
                    currency=currency,
                    reference=reference,
                    description=truncate_to_field(LedgerHold, "description", description),
                )
        except IntegrityError:  # unreachable under the account lock unless the reference moved accounts
            return LedgerHold.objects.get(reference=reference)
        audit_event_record(
            action="payments.ledger_hold.placed",
            actor=actor,
            target=hold,
            after={
                "reference": reference,
                "amount": amount,
                "currency": currency,
                "customer": customer.pk,
                "available_before": available,
            },
        )
    return hold


def _hold_end(*, reference: str, to: str, action: str, actor=None) -> bool:
    with transaction.atomic():
        ended = LedgerHold.objects.filter(reference=reference, status=LedgerHold.Status.ACTIVE).update(
            status=to, resolved_at=timezone.now()
        )
        if ended:
            hold = LedgerHold.objects.get(reference=reference)
            audit_event_record(
                action=action,
                actor=actor,
                target=hold,
                before={"status": LedgerHold.Status.ACTIVE},
                after={"status": to, "amount": hold.amount, "currency": hold.currency},
            )
    return bool(ended)


def ledger_hold_capture(*, reference: str, actor=None) -> bool:
    """The held money moved (its settlement entry is posted in the same transaction):
    the hold ends. False when there is no active hold for `reference`."""
    return _hold_end(
        reference=reference, to=LedgerHold.Status.CAPTURED, action="payments.ledger_hold.captured", actor=actor
    )


def ledger_hold_release(*, reference: str, actor=None) -> bool:
    """The movement failed before it settled: the held money is available again.
    False when there is no active hold for `reference`."""
    return _hold_end(
        reference=reference, to=LedgerHold.Status.RELEASED, action="payments.ledger_hold.released", actor=actor
    )
