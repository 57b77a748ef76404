"""Issue #17 item 9: "Robert Okafor" linked, and moved money to, an account owned by
"Roberta Okafor". The owner check now compares given and family names part by part; a
different given name is refused, a plausible-only match waits for staff review."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from banking.models import BankAccount, Transfer
from banking.services.owner_review import bank_account_owner_verify
from fintech import roles
from fintech.models import AuditEvent
from fintech.services.api_clients import api_client_create
from tests.banking.conftest import fake_plaid, fund_customer, linked_item  # noqa: F401 (fixtures)
from tests.factories import PASSWORD, CustomerFactory, make_staff
from tests.helpers import admin_login

pytestmark = pytest.mark.django_db


def _request_payout(customer, account, key: str):
    _, token = api_client_create(name=f"client-{customer.pk}-{key}", user=customer.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.post(
        "/api/v1/transfers/",
        {"account": account.pk, "direction": "credit", "amount": 5_000, "currency": "USD", "idempotency_key": key},
        format="json",
    )


def test_an_account_owned_by_a_different_given_name_is_refused(fake_plaid, linked_item):  # noqa: F811
    # given Robert Okafor, with money paid in, linked an account Plaid says Roberta Okafor owns
    robert = CustomerFactory(legal_name="Robert Okafor")
    item = linked_item(customer=robert, owner_names=("Roberta Okafor",))
    fund_customer(robert, 50_000)
    account = item.accounts.get(subtype="checking")
    # when he asks to be paid to it
    answer = _request_payout(robert, account, "to-roberta")
    # then the owner check refuses it outright (no review: it is another person's name)
    assert answer.status_code == 422, answer.content
    assert answer.json()["failed_checks"] == [
        {"name": "owner_name_matches", "detail": "mismatch: different given name (best of 1 owner name(s))"}
    ]
    transfer = Transfer.objects.get(pk=answer.json()["transfer"])
    assert transfer.status == Transfer.Status.REFUSED
    assert fake_plaid.count("/transfer/create") == 0
    assert (
        "owner_name_matches"
        in AuditEvent.objects.get(action="banking.transfer.refused", target_id=str(transfer.pk)).after["failure_reason"]
    )
    account.refresh_from_db()
    assert account.owner_review == BankAccount.OwnerReview.NONE


def test_a_borderline_owner_name_waits_for_staff_review(client, fake_plaid, linked_item):  # noqa: F811
    # given an account whose owner is given by initial only
    robert = CustomerFactory(legal_name="Robert Okafor")
    item = linked_item(customer=robert, owner_names=("R. Okafor",))
    fund_customer(robert, 50_000)
    account = item.accounts.get(subtype="checking")
    # when a payout is asked for, it does not go straight through: refused, the account queued for review
    answer = _request_payout(robert, account, "before-review")
    assert answer.status_code == 422
    assert answer.json()["failed_checks"][0]["detail"].startswith("owner name needs review:")
    account.refresh_from_db()
    assert account.owner_review == BankAccount.OwnerReview.PENDING
    assert (
        AuditEvent.objects.filter(
            action="banking.bank_account.owner_review_requested", target_id=str(account.pk)
        ).count()
        == 1
    )
    assert fake_plaid.count("/transfer/create") == 0
    # a compliance officer checks the documents and verifies the owner from the admin
    officer, device = make_staff("officer", roles.COMPLIANCE_OFFICER)
    assert admin_login(client, officer, device, password=PASSWORD).status_code == 302
    response = client.post("/admin/banking/bankaccount/", {"action": "verify_owner", "_selected_action": [account.pk]})
    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.owner_review, account.owner_review_name, account.owner_reviewed_by) == (
        BankAccount.OwnerReview.VERIFIED,
        "R. Okafor",
        officer,
    )
    verified = AuditEvent.objects.get(action="banking.bank_account.owner_verified", target_id=str(account.pk))
    assert verified.actor == officer
    # then the same customer's next payout passes the owner check
    again = _request_payout(robert, account, "after-review")
    assert again.status_code == 201, again.content
    owner_check = next(c for c in again.json()["checks"] if c["name"] == "owner_name_matches")
    assert owner_check["passed"] and owner_check["detail"].endswith("verified by staff")


def test_staff_cannot_verify_a_different_given_name(fake_plaid, linked_item):  # noqa: F811
    robert = CustomerFactory(legal_name="Robert Okafor")
    item = linked_item(customer=robert, owner_names=("Roberta Okafor",))
    account = item.accounts.get(subtype="checking")
    officer, _ = make_staff("officer", roles.COMPLIANCE_OFFICER)
    assert bank_account_owner_verify(account=account, actor=officer) is False  # nothing waits for review
    account.refresh_from_db()
    assert account.owner_review == BankAccount.OwnerReview.NONE
    assert not AuditEvent.objects.filter(action="banking.bank_account.owner_verified").exists()
