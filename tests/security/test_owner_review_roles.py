"""Verifying a bank account's owner name is a KYC decision: the admin action belongs to the
Compliance Officer role (`banking.verify_owner`). Payments Operations sees the accounts but
cannot verify one, whether it asks from the list or posts the action itself."""

from __future__ import annotations

import pytest

from banking.models import BankAccount
from fintech import roles
from fintech.models import AuditEvent
from tests.banking.conftest import fake_plaid, linked_item  # noqa: F401 (fixtures)
from tests.factories import PASSWORD, CustomerFactory, make_staff
from tests.helpers import admin_login

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/banking/bankaccount/"


@pytest.fixture
def waiting_account(linked_item):  # noqa: F811
    """An account whose owner ("R. Okafor") only plausibly matches its customer, waiting for review
    (the state a refused payout leaves it in: tests/security/test_owner_name_match.py)."""
    item = linked_item(customer=CustomerFactory(legal_name="Robert Okafor"), owner_names=("R. Okafor",))
    account = item.accounts.get(subtype="checking")
    BankAccount.objects.filter(pk=account.pk).update(owner_review=BankAccount.OwnerReview.PENDING)
    return account


def test_payments_operations_is_not_offered_the_owner_review_action(client, waiting_account):
    operator, device = make_staff("payops", roles.PAYMENTS_OPERATIONS)
    assert admin_login(client, operator, device, password=PASSWORD).status_code == 302
    page = client.get(CHANGELIST)
    assert page.status_code == 200  # the role reads the accounts...
    assert b'value="verify_owner"' not in page.content  # ...and is not offered the decision


def test_payments_operations_posting_the_owner_review_action_changes_nothing(client, waiting_account):
    # given an operator signed in with password and TOTP
    operator, device = make_staff("payops", roles.PAYMENTS_OPERATIONS)
    assert admin_login(client, operator, device, password=PASSWORD).status_code == 302
    # when they post the action the list does not offer them
    client.post(CHANGELIST, {"action": "verify_owner", "_selected_action": [waiting_account.pk]})
    # then the account still waits for a compliance officer, and nothing was recorded as decided
    waiting_account.refresh_from_db()
    assert waiting_account.owner_review == BankAccount.OwnerReview.PENDING
    assert waiting_account.owner_reviewed_by is None and waiting_account.owner_review_name == ""
    assert not AuditEvent.objects.filter(action="banking.bank_account.owner_verified").exists()
    # while the same post by a compliance officer verifies it (the refusal is the role's, not the form's)
    client.logout()
    officer, officer_device = make_staff("officer", roles.COMPLIANCE_OFFICER)
    assert admin_login(client, officer, officer_device, password=PASSWORD).status_code == 302
    assert (
        client.post(CHANGELIST, {"action": "verify_owner", "_selected_action": [waiting_account.pk]}).status_code == 302
    )
    waiting_account.refresh_from_db()
    assert (waiting_account.owner_review, waiting_account.owner_reviewed_by) == (
        BankAccount.OwnerReview.VERIFIED,
        officer,
    )
    assert AuditEvent.objects.get(action="banking.bank_account.owner_verified").actor == officer
