"""Issue #17 item 1: a customer moved money they did not have.

The pen-tester, signed in as a customer who had paid in about 1,000.00 USD, asked for
payouts of 10,000.00 to their own linked account; each passed every pre-flight check,
and three settled. A payout now needs that much available balance (settled postings
minus holds), holds it until it settles, and stays within per-customer limits.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from banking.errors import TransferRefusedError
from banking.models import BankAccount, Transfer
from banking.services.transfers import transfer_events_sync, transfer_initiate
from fintech.models import AuditEvent
from fintech.services.api_clients import api_client_create
from ledger.errors import InsufficientFundsError
from ledger.models import LedgerAccount, LedgerHold, Posting
from ledger.selectors import available_balance
from payments.models import Refund
from payments.services.disputes import dispute_funds_withdrawn, dispute_record
from payments.services.payments import payment_refunded_total_apply
from payments.services.refunds import payment_refund
from tests.banking.conftest import fake_plaid, fund_customer, linked_item  # noqa: F401 (fixtures)
from tests.factories import PASSWORD, make_staff
from tests.helpers import admin_login, thread_race

PAID_IN = 100_000  # 1,000.00 USD paid in by card


def _api_client(customer) -> APIClient:
    _, token = api_client_create(name=f"client-{customer.pk}", user=customer.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _payout(item, amount: int, key: str) -> Transfer:
    account = item.accounts.get(subtype="checking")
    return transfer_initiate(
        customer=item.customer, account=account, direction="credit", amount=amount, currency="USD", idempotency_key=key
    )


def _refused_audit(transfer_id) -> AuditEvent:
    return AuditEvent.objects.get(action="banking.transfer.refused", target_id=str(transfer_id))


@pytest.mark.django_db
def test_transfer_beyond_available_balance_is_refused(fake_plaid, linked_item):  # noqa: F811
    # given a customer who paid in 1,000.00 and linked their bank account
    item = linked_item()
    fund_customer(item.customer, PAID_IN)
    client = _api_client(item.customer)
    account = item.accounts.get(subtype="checking")
    # when they ask three times, as the pen-tester did, to be paid 10,000.00
    answers = [
        client.post(
            "/api/v1/transfers/",
            {
                "account": account.pk,
                "direction": "credit",
                "amount": 1_000_000,
                "currency": "USD",
                "idempotency_key": key,
            },
            format="json",
        )
        for key in ("k1", "k2", "k3")
    ]
    # then each is refused, naming the funds check, and no money leaves
    for answer in answers:
        assert answer.status_code == 422, answer.content
        body = answer.json()
        assert body["error"] == "transfer_refused"
        funds = next(check for check in body["failed_checks"] if check["name"] == "funds_available")
        assert funds["detail"] == "10,000.00 USD asked, 1,000.00 USD available"
        assert Transfer.objects.get(pk=body["transfer"]).status == Transfer.Status.REFUSED
        audit = _refused_audit(body["transfer"])
        assert audit.outcome == AuditEvent.Outcome.FAILURE and "funds_available" in audit.after["failure_reason"]
    assert fake_plaid.count("/transfer/authorization/create") == 0 and fake_plaid.count("/transfer/create") == 0
    assert not LedgerHold.objects.exists()
    assert not Posting.objects.filter(account__code=LedgerAccount.BANK_CLEARING).exists()
    assert available_balance(customer=item.customer, currency="USD") == PAID_IN


@pytest.mark.django_db
def test_payout_within_limits_but_beyond_the_balance_is_refused_by_the_funds_check(fake_plaid, linked_item):  # noqa: F811
    item = linked_item()
    fund_customer(item.customer, PAID_IN)
    with pytest.raises(TransferRefusedError) as refused:
        _payout(item, PAID_IN + 1, "one-cent-too-many")
    assert [check["name"] for check in refused.value.extra["failed_checks"]] == ["funds_available"]
    assert fake_plaid.count("/transfer/create") == 0


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_payouts_never_spend_more_than_the_balance(fake_plaid, linked_item):  # noqa: F811
    # given 1,000.00 available and 20 requests of 100.00 each, sent at the same moment
    item = linked_item()
    fund_customer(item.customer, PAID_IN)

    def request(i: int):
        try:
            return _payout(item, 10_000, f"parallel-{i}").status
        except TransferRefusedError as exc:
            return [check["name"] for check in exc.extra["failed_checks"]]

    # when
    results = thread_race([partial(request, i) for i in range(20)], timeout=600)
    # then exactly what the balance covers goes through, every other request is refused on funds
    assert len(results) == 20 and not [r for r in results if isinstance(r, Exception)], results
    assert results.count(Transfer.Status.PENDING) == 10
    assert [r for r in results if r != Transfer.Status.PENDING] == [["funds_available"]] * 10
    assert available_balance(customer=item.customer, currency="USD") == 0
    held = LedgerHold.objects.filter(status=LedgerHold.Status.ACTIVE)
    assert held.count() == 10 and sum(held.values_list("amount", flat=True)) == PAID_IN
    assert fake_plaid.count("/transfer/create") == 10
    assert AuditEvent.objects.filter(action="banking.transfer.refused").count() == 10
    assert AuditEvent.objects.filter(action="payments.ledger_hold.placed").count() == 10


@pytest.mark.django_db
def test_money_held_for_a_payout_is_spent_once_settled_and_freed_when_it_fails(fake_plaid, linked_item):  # noqa: F811
    item = linked_item()
    fund_customer(item.customer, PAID_IN)
    # a payout holds its amount: the rest only is available
    first = _payout(item, 60_000, "first")
    assert available_balance(customer=item.customer, currency="USD") == 40_000
    with pytest.raises(TransferRefusedError, match="funds_available"):
        _payout(item, 50_000, "second")
    # settlement moves the money out of the customer's own balance and captures the hold
    fake_plaid.transfer_event_add(first.plaid_transfer_id, "posted")
    fake_plaid.transfer_event_add(first.plaid_transfer_id, "settled")
    transfer_events_sync()
    hold = LedgerHold.objects.get(reference=f"banking-transfer-{first.pk}")
    assert hold.status == LedgerHold.Status.CAPTURED
    balance = LedgerAccount.objects.get(code=LedgerAccount.CUSTOMER_BALANCES, customer=item.customer, currency="USD")
    assert sum(balance.postings.values_list("amount", flat=True)) == -40_000
    assert available_balance(customer=item.customer, currency="USD") == 40_000
    # a payout that fails before settling gives its hold back
    third = _payout(item, 40_000, "third")
    assert available_balance(customer=item.customer, currency="USD") == 0
    fake_plaid.transfer_event_add(third.plaid_transfer_id, "failed", failure_reason="R03")
    transfer_events_sync()
    assert LedgerHold.objects.get(reference=f"banking-transfer-{third.pk}").status == LedgerHold.Status.RELEASED
    assert available_balance(customer=item.customer, currency="USD") == 40_000
    actions = list(
        AuditEvent.objects.filter(action__startswith="payments.ledger_hold.")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == [
        "payments.ledger_hold.placed",
        "payments.ledger_hold.captured",
        "payments.ledger_hold.placed",
        "payments.ledger_hold.released",
    ]


def _refunded_to_the_card(payment) -> None:
    payment_refunded_total_apply(payment=payment, amount_refunded=payment.amount, refund_references=[])


def _charged_back(payment) -> None:
    dispute, _ = dispute_record(
        gateway="stripe",
        reference=f"dp_{payment.pk}",
        payment=payment,
        amount=payment.amount,
        currency=payment.currency,
        status="lost",
        reason="fraudulent",
    )
    assert dispute_funds_withdrawn(dispute=dispute)


@pytest.mark.django_db
@pytest.mark.parametrize("money_back", [_refunded_to_the_card, _charged_back], ids=lambda f: f.__name__)
def test_money_given_back_to_the_card_cannot_also_be_paid_out(fake_plaid, linked_item, money_back):  # noqa: F811
    # given the customer paid in, then got the money back on their card (what the gateway's webhook applies)
    item = linked_item()
    payment = fund_customer(item.customer, PAID_IN)
    with transaction.atomic():
        money_back(payment)
    # when they ask for the same money by bank transfer
    with pytest.raises(TransferRefusedError) as refused:
        _payout(item, PAID_IN, "again")
    # then it is refused: their balance no longer holds it
    assert refused.value.extra["failed_checks"] == [
        {"name": "funds_available", "detail": "1,000.00 USD asked, 0.00 USD available"}
    ]
    assert available_balance(customer=item.customer, currency="USD") == 0
    assert fake_plaid.count("/transfer/create") == 0


@pytest.mark.django_db
def test_a_refund_of_money_already_paid_out_is_refused(fake_plaid, linked_item):  # noqa: F811
    # given the customer paid in by card, then had all of it paid out to their bank
    item = linked_item()
    payment = fund_customer(item.customer, PAID_IN)
    _payout(item, PAID_IN, "all-of-it")
    # when an operator is asked to refund the card payment too
    with pytest.raises(InsufficientFundsError):
        payment_refund(payment=payment, reason="customer asked")
    # then nothing is refunded: no refund recorded, nothing held or moved
    assert not Refund.objects.exists()
    assert LedgerHold.objects.filter(status=LedgerHold.Status.ACTIVE).count() == 1
    assert available_balance(customer=item.customer, currency="USD") == 0


@pytest.mark.django_db
def test_a_declined_payout_gives_its_hold_back(fake_plaid, linked_item):  # noqa: F811
    item = linked_item()
    fund_customer(item.customer, PAID_IN)
    fake_plaid.authorization_decision = "declined"
    transfer = _payout(item, 30_000, "declined")
    assert transfer.status == Transfer.Status.DECLINED
    assert LedgerHold.objects.get().status == LedgerHold.Status.RELEASED
    assert available_balance(customer=item.customer, currency="USD") == PAID_IN
    assert AuditEvent.objects.filter(action="payments.ledger_hold.released").count() == 1


def _debit(item, amount: int, key: str) -> Transfer:
    account = item.accounts.get(subtype="checking")
    return transfer_initiate(
        customer=item.customer, account=account, direction="debit", amount=amount, currency="USD", idempotency_key=key
    )


@pytest.mark.django_db
def test_transfers_beyond_the_daily_and_30_day_limits_are_refused(fake_plaid, linked_item, settings):  # noqa: F811
    settings.TRANSFER_DAILY_LIMIT = 30000
    settings.TRANSFER_30_DAY_LIMIT = 50000
    item = linked_item()
    now = timezone.now()
    for key, ago in (("ten-days-ago", timedelta(days=10)), ("an-hour-ago", timedelta(hours=1))):
        earlier = _debit(item, 20_000, key)
        Transfer.objects.filter(pk=earlier.pk).update(created_at=now - ago)  # as if requested then
    # 20,000 more today breaks both windows (40,000 in 24 hours, 60,000 in 30 days)
    with pytest.raises(TransferRefusedError) as refused:
        _debit(item, 20_000, "today")
    detail = refused.value.extra["failed_checks"]
    assert [check["name"] for check in detail] == ["velocity_within_limits"]
    assert "over 24 hours exceeds 300.00 USD" in detail[0]["detail"]
    assert "over 30 days exceeds 500.00 USD" in detail[0]["detail"]
    assert (
        "velocity_within_limits"
        in _refused_audit(Transfer.objects.get(idempotency_key="today").pk).after["failure_reason"]
    )
    # a refused transfer moved nothing and does not use the limits up: 10,000 fits both exactly
    assert _debit(item, 10_000, "fits").status == Transfer.Status.PENDING


@pytest.mark.django_db
def test_a_first_transfer_and_a_new_account_have_lower_limits(fake_plaid, linked_item):  # noqa: F811
    item = linked_item()
    big = 300_000  # above the first-transfer and new-account limits (2,500.00), below the usual 10,000.00
    with pytest.raises(TransferRefusedError, match="amount_within_limits"):
        _debit(item, big, "new-account")
    assert "linked recently" in Transfer.objects.get(idempotency_key="new-account").failure_reason
    BankAccount.objects.filter(item=item).update(created_at=timezone.now() - timedelta(days=30))
    with pytest.raises(TransferRefusedError, match="until a first transfer settled"):
        _debit(item, big, "first-transfer")
    settled = _debit(item, 5_000, "small-first")
    fake_plaid.transfer_event_add(settled.plaid_transfer_id, "settled")
    transfer_events_sync()
    assert _debit(item, big, "after-settlement").status == Transfer.Status.PENDING


@pytest.mark.django_db
def test_the_admin_transfer_page_names_the_failed_check(client, fake_plaid, linked_item):  # noqa: F811
    item = linked_item()
    fund_customer(item.customer, PAID_IN)
    with pytest.raises(TransferRefusedError):
        _payout(item, 200_000, "too-much")
    transfer = Transfer.objects.get()
    officer, device = make_staff("officer", superuser=True)
    assert admin_login(client, officer, device, password=PASSWORD).status_code == 302
    page = client.get(f"/admin/banking/transfer/{transfer.pk}/change/").content.decode()
    assert "funds_available" in page and "2,000.00 USD asked, 1,000.00 USD available" in page
    assert "Refused by a pre-flight check" in page
