"""Read use-cases for views, the API, admin and other apps."""

from __future__ import annotations

from django.db.models import QuerySet

from banking.models import BankAccount, PlaidItem, Transfer
from fintech.models import Customer


def items_due_for_sync() -> list[int]:
    """Items the beat schedule syncs: every item that is not revoked."""
    return list(PlaidItem.objects.exclude(status=PlaidItem.Status.REVOKED).values_list("pk", flat=True))


def customer_items(*, customer: Customer) -> QuerySet[PlaidItem]:
    return PlaidItem.objects.filter(customer=customer).prefetch_related("accounts").order_by("-created_at")


def bank_accounts_visible_to(*, user) -> QuerySet[BankAccount]:
    """Staff with the view permission see every account; a customer sees their own; anyone else none."""
    accounts = BankAccount.objects.select_related("item")
    if user.is_staff and user.has_perm("banking.view_bankaccount"):
        return accounts
    return accounts.filter(item__customer__user=user) if user.is_authenticated else accounts.none()


def transfers_visible_to(*, user) -> QuerySet[Transfer]:
    transfers = Transfer.objects.select_related("account").prefetch_related("checks")
    if user.is_staff and user.has_perm("banking.view_transfer"):
        return transfers
    return transfers.filter(customer__user=user) if user.is_authenticated else transfers.none()
