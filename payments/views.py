"""Customer pages for payments: the receipt (history is on the dashboard)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from payments.selectors import payment_for_customer_user


@login_required
@require_GET
def receipt(request, pk: int):
    payment = payment_for_customer_user(user=request.user, pk=pk)
    if payment is None:  # someone else's payment looks exactly like a missing one
        raise Http404("No such payment")
    return render(request, "payments/receipt.html", {"payment": payment})
