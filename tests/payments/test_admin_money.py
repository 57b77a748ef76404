"""Issue #18 item 5: payment screens show money in its currency, and the ledger's currency
filter lists the currencies in use, not every ISO 4217 code."""

from __future__ import annotations

import re

import pytest

from fintech import roles
from ledger.models import LedgerAccount
from payments.models import Payment, Refund
from tests.factories import CustomerFactory
from tests.payments.test_admin import _login

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_payment_detail_shows_amounts_with_their_currency(client):
    _login(client, "payops", roles.PAYMENTS_OPERATIONS)
    payment = Payment.objects.create(
        customer=CustomerFactory(), amount=4250, currency="EUR", amount_refunded=1000, status=Payment.Status.SUCCEEDED
    )
    Refund.objects.create(payment=payment, amount=1000, currency="EUR", status=Refund.Status.SUCCEEDED)
    detail = _text(client.get(f"/admin/payments/payment/{payment.pk}/change/"))
    assert "42.50 EUR" in detail and "10.00 EUR" in detail
    assert "Minor units" not in detail and "4250" not in detail
    listing = _text(client.get("/admin/payments/refund/"))
    assert "10.00 EUR" in listing


def test_ledger_currency_filter_lists_the_currencies_in_use(client):
    _login(client, "payops", roles.PAYMENTS_OPERATIONS)
    for currency in ("EUR", "GBP"):
        LedgerAccount.objects.get_or_create(
            code=LedgerAccount.GATEWAY_CLEARING,
            currency=currency,
            defaults={"kind": "asset", "name": f"Gateway clearing {currency}"},
        )
    page = client.get("/admin/ledger/ledgeraccount/").content.decode()
    offered = set(re.findall(r"\?currency=([A-Z]{3})", page))
    assert {"EUR", "GBP"} <= offered and len(offered) < 10 and "ZWG" not in offered
