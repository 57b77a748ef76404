"""Transfers: every pre-flight check recorded, any failure refuses before Plaid is called."""

from __future__ import annotations

import pytest

from banking.errors import TransferRefusedError
from banking.models import BankAccount, PlaidItem, Transfer, TransferCheck
from banking.services.transfers import transfer_events_sync, transfer_initiate
from fintech import roles
from fintech.models import AuditEvent, Customer
from tests.factories import make_staff

pytestmark = pytest.mark.django_db
CHECKS = [
    "institution_matches",
    "account_eligible",
    "item_healthy",
    "owner_name_matches",
    "customer_active",
    "sanctions_clear",
    "amount_within_limits",
    "velocity_within_limits",
    "funds_available",
]
TRANSFER_CALLS = ("/transfer/authorization/create", "/transfer/create")


def _initiate(item, *, account=None, amount=5000, currency="USD", key="k-1", **kwargs) -> Transfer:
    account = account or item.accounts.get(subtype="checking")
    return transfer_initiate(
        customer=item.customer,
        account=account,
        direction="debit",
        amount=amount,
        currency=currency,
        idempotency_key=key,
        description="top-up",
        **kwargs,
    )


def _plaid_transfer_calls(server) -> int:
    return sum(server.count(path) for path in TRANSFER_CALLS)


def test_a_transfer_that_passes_every_check_is_authorized_and_created(fake_plaid, linked_item):
    item = linked_item()
    transfer = _initiate(item)
    assert transfer.status == Transfer.Status.PENDING
    assert transfer.plaid_authorization_id.startswith("auth-") and transfer.plaid_transfer_id.startswith("tr-")
    assert list(transfer.checks.values_list("name", "passed")) == [(name, True) for name in CHECKS]
    authorize = next(params for path, params in fake_plaid.requests if path == TRANSFER_CALLS[0])
    assert authorize["amount"] == "50.00" and authorize["idempotency_key"] == str(transfer.reference)
    assert authorize["user"]["legal_name"] == item.customer.legal_name
    actions = list(
        AuditEvent.objects.filter(target_type="banking.Transfer", target_id=str(transfer.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["banking.transfer.requested", "banking.transfer.checks_passed", "banking.transfer.created"]


def test_a_repeated_request_returns_the_first_transfer(fake_plaid, linked_item):
    item = linked_item()
    first = _initiate(item)
    again = _initiate(item)
    assert first.pk == again.pk and Transfer.objects.count() == 1
    assert fake_plaid.count("/transfer/create") == 1


def _wrong_institution(item):
    PlaidItem.objects.filter(pk=item.pk).update(link_institution_id="ins_other")
    return {}


def _credit_card_account(item):
    account = item.accounts.get(subtype="checking")
    BankAccount.objects.filter(pk=account.pk).update(type="credit", subtype="credit card")
    account.refresh_from_db()
    return {"account": account}


def _someone_elses_account(item):
    other = BankAccount.objects.exclude(item=item).first()
    return {"account": other}


def _item_needs_update(item):
    PlaidItem.objects.filter(pk=item.pk).update(status=PlaidItem.Status.NEEDS_UPDATE)
    return {}


def _owner_differs(item):
    BankAccount.objects.filter(item=item).update(owner_names=["Completely Different Person"])
    return {}


def _customer_frozen(item):
    Customer.objects.filter(pk=item.customer_id).update(status=Customer.Status.FROZEN)
    return {}


def _too_much(item):
    return {"amount": 1_000_001}


def _too_little(item):
    return {"amount": 99}


def _wrong_currency(item):
    return {"currency": "EUR"}


@pytest.mark.parametrize(
    "arrange, failed",
    [
        (_wrong_institution, "institution_matches"),
        (_credit_card_account, "account_eligible"),
        (_someone_elses_account, "account_eligible"),
        (_item_needs_update, "item_healthy"),
        (_owner_differs, "owner_name_matches"),
        (_customer_frozen, "customer_active"),
        (_too_much, "amount_within_limits"),
        (_too_little, "amount_within_limits"),
        (_wrong_currency, "amount_within_limits"),
    ],
    ids=lambda v: v.__name__ if callable(v) else v,
)
def test_each_failed_check_refuses_the_transfer(fake_plaid, linked_item, arrange, failed):
    # given
    item = linked_item()
    linked_item(customer=None)  # another customer's item, for the account-ownership case
    overrides = arrange(item)
    item.refresh_from_db()
    item.customer.refresh_from_db()
    # when
    with pytest.raises(TransferRefusedError) as refused:
        _initiate(item, **overrides)
    # then: refused with its reason, every check recorded, Plaid Transfer never called
    transfer = Transfer.objects.get(customer=item.customer)
    assert transfer.status == Transfer.Status.REFUSED
    assert failed in transfer.failure_reason and failed in refused.value.detail
    assert set(TransferCheck.objects.filter(transfer=transfer).values_list("name", flat=True)) == set(CHECKS)
    assert set(transfer.checks.filter(passed=False).values_list("name", flat=True)) == {failed}
    assert _plaid_transfer_calls(fake_plaid) == 0
    audit = AuditEvent.objects.get(action="banking.transfer.refused", target_id=str(transfer.pk))
    assert audit.outcome == AuditEvent.Outcome.FAILURE and failed in audit.after["failure_reason"]


@pytest.fixture
def sdn_subset(db):
    """Compliance's OFAC subset imported; its in-process name index cleared around the test."""
    from compliance.screening.index import clear_index_cache
    from tests.compliance.conftest import import_subset

    clear_index_cache()
    yield import_subset()
    clear_index_cache()


def test_a_sanctions_hit_refuses_the_transfer(fake_plaid, linked_item, sdn_subset):
    name = "Joaquin Guzman Loera"
    item = linked_item(customer=None, owner_names=(name,))
    Customer.objects.filter(pk=item.customer_id).update(legal_name=name)
    item.customer.refresh_from_db()
    with pytest.raises(TransferRefusedError, match="sanctions_clear"):
        _initiate(item)
    transfer = Transfer.objects.get()
    assert list(transfer.checks.filter(passed=False).values_list("name", flat=True)) == ["sanctions_clear"]
    assert _plaid_transfer_calls(fake_plaid) == 0
    assert AuditEvent.objects.filter(action="banking.transfer.refused", target_id=str(transfer.pk)).exists()


def test_owner_names_match_in_family_first_order(fake_plaid, linked_item):
    item = linked_item(owner_names=("CHARLESON, ALBERTA BOBBETH",))
    assert _initiate(item).status == Transfer.Status.PENDING


def test_a_declined_authorization_creates_no_transfer(fake_plaid, linked_item):
    item = linked_item()
    fake_plaid.authorization_decision = "declined"
    transfer = _initiate(item)
    assert transfer.status == Transfer.Status.DECLINED and transfer.failure_reason == "Insufficient funds"
    assert fake_plaid.count("/transfer/create") == 0
    assert AuditEvent.objects.filter(action="banking.transfer.declined", target_id=str(transfer.pk)).exists()


def test_a_plaid_error_fails_the_transfer(fake_plaid, linked_item):
    item = linked_item()
    fake_plaid.item_fail_with(item.item_id, "ITEM_LOGIN_REQUIRED")
    transfer = _initiate(item)
    assert transfer.status == Transfer.Status.FAILED and "ITEM_LOGIN_REQUIRED" in transfer.failure_reason
    assert AuditEvent.objects.filter(action="banking.transfer.failed", target_id=str(transfer.pk)).exists()


def test_transfer_events_move_the_transfer_once(fake_plaid, linked_item):
    item = linked_item()
    transfer = _initiate(item)
    fake_plaid.transfer_event_add(transfer.plaid_transfer_id, "posted")
    fake_plaid.transfer_event_add(transfer.plaid_transfer_id, "returned", failure_reason="Insufficient funds")
    assert transfer_events_sync() == 2
    assert transfer_events_sync() == 0  # the cursor remembers
    transfer.refresh_from_db()
    assert (transfer.status, transfer.failure_reason) == (Transfer.Status.RETURNED, "Insufficient funds")
    changes = list(
        AuditEvent.objects.filter(action="banking.transfer.status_changed", target_id=str(transfer.pk))
        .order_by("seq")
        .values_list("after__status", flat=True)
    )
    assert changes == ["posted", "returned"]


def test_a_hit_cleared_as_a_false_positive_no_longer_blocks(fake_plaid, linked_item, sdn_subset):
    from compliance.screening.models import ScreeningHit
    from compliance.screening.review import screening_hit_dismiss

    name = "Joaquin Guzman Loera"
    item = linked_item(customer=None, owner_names=(name,))
    Customer.objects.filter(pk=item.customer_id).update(legal_name=name)
    item.customer.refresh_from_db()
    with pytest.raises(TransferRefusedError, match="sanctions_clear"):
        _initiate(item)
    analyst = make_staff("analyst-fp", roles.ANALYST)[0]
    for hit in ScreeningHit.objects.filter(status=ScreeningHit.Status.PENDING):
        screening_hit_dismiss(hit=hit, actor=analyst, reason="different person: date of birth differs")
    # when the same customer asks again
    transfer = _initiate(item, key="second-try")
    # then the cleared match no longer blocks the transfer
    assert transfer.status == Transfer.Status.PENDING
    assert transfer.checks.get(name="sanctions_clear").passed


def test_a_sanctioned_account_owner_raises_a_hit_on_the_account(fake_plaid, linked_item, sdn_subset):
    from compliance.screening.models import ScreeningHit

    item = linked_item(owner_names=("Joaquin Guzman Loera",))
    account = item.accounts.first()
    assert ScreeningHit.objects.filter(party_type="banking.BankAccount", party_id=str(account.pk)).exists()


def test_a_settled_debit_posts_to_the_ledger_once_and_a_return_reverses_it(fake_plaid, linked_item):
    from ledger.models import JournalEntry

    item = linked_item()
    transfer = _initiate(item, amount=12_345)
    fake_plaid.transfer_event_add(transfer.plaid_transfer_id, "posted")
    fake_plaid.transfer_event_add(transfer.plaid_transfer_id, "settled")
    transfer_events_sync()
    entry = JournalEntry.objects.get(idempotency_key=f"banking-transfer-{transfer.pk}-settled")
    amounts = {p.account.code: p.amount for p in entry.postings.select_related("account")}
    assert amounts == {"bank_clearing": 12_345, "customer_balances": -12_345}
    assert {p.account.customer_id for p in entry.postings.all()} == {None, item.customer_id}
    assert AuditEvent.objects.filter(target_type="ledger.JournalEntry", target_id=str(entry.pk)).exists()
    # the same events again post nothing more
    assert transfer_events_sync() == 0
    assert JournalEntry.objects.filter(idempotency_key__startswith=f"banking-transfer-{transfer.pk}").count() == 1
    # a return after settlement reverses the entry
    fake_plaid.transfer_event_add(transfer.plaid_transfer_id, "returned", failure_reason="R01")
    transfer_events_sync()
    reversal = JournalEntry.objects.get(reverses=entry)
    assert {p.account.code: p.amount for p in reversal.postings.select_related("account")} == {
        "bank_clearing": -12_345,
        "customer_balances": 12_345,
    }
