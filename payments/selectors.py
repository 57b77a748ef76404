"""Read use-cases of the payments app (the ledger's balances are in `ledger.selectors`)."""

from __future__ import annotations

from django.db.models import QuerySet

from payments.models import Payment


def payment_list_visible_to(*, user) -> QuerySet[Payment]:
    """Every payment for staff who may view payments; a customer's own otherwise."""
    payments = Payment.objects.select_related("customer")
    if user.is_staff and user.has_perm("payments.view_payment"):
        return payments
    return payments.filter(customer__user=user)


def payment_history_for_customer(*, customer, limit: int = 20) -> list[Payment]:
    """A customer's latest payments, newest first (for their own pages only)."""
    return list(Payment.objects.filter(customer=customer).order_by("-created_at", "-pk")[:limit])


def payment_for_customer_user(*, user, pk: int) -> Payment | None:
    """A payment if it belongs to the signed-in customer, else None (shown as 404)."""
    return Payment.objects.select_related("customer").filter(customer__user=user, pk=pk).first()
