"""A staff API token is issued only to a session that passed TOTP: the admin's "Issue my API
token" page refuses a session signed in by password alone (it sends it to the sign-in form,
which asks for the code), whether the member has an authenticator or not. The service's own
refusal without a device is tested in test_api_auth_attacks.py; this is the page's."""

from __future__ import annotations

import pytest

from fintech import roles
from fintech.models import ApiClient, AuditEvent
from tests.factories import PASSWORD, make_staff
from tests.helpers import admin_login

pytestmark = pytest.mark.django_db

ISSUE = "/admin/fintech/apiclient/issue-my-token/"
FORM = {"name": "ops-cli", "role": roles.PAYMENTS_OPERATIONS}


def _assert_sent_to_sign_in(response) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_password_only_session_cannot_issue_a_staff_token(client):
    # given a staff member with an authenticator, whose session skipped the TOTP step
    member, _ = make_staff("payops", roles.PAYMENTS_OPERATIONS)
    client.force_login(member)
    # when they open the page and post its form
    _assert_sent_to_sign_in(client.get(ISSUE))
    _assert_sent_to_sign_in(client.post(ISSUE, FORM))
    # then no token exists and none was recorded as issued
    assert not ApiClient.objects.exists()
    assert not AuditEvent.objects.filter(action="fintech.api_client.created").exists()


def test_a_staff_member_without_a_confirmed_authenticator_cannot_issue_a_token(client):
    member, device = make_staff("payops", roles.PAYMENTS_OPERATIONS)
    device.confirmed = False
    device.save(update_fields=["confirmed"])
    # the sign-in form refuses the code of an unconfirmed device, so the session stays unverified
    admin_login(client, member, device, password=PASSWORD)
    _assert_sent_to_sign_in(client.post(ISSUE, FORM))
    assert not ApiClient.objects.exists()


def test_after_the_totp_step_the_same_member_issues_their_token(client):
    member, device = make_staff("payops", roles.PAYMENTS_OPERATIONS)
    client.force_login(member)
    _assert_sent_to_sign_in(client.post(ISSUE, FORM))
    # signing in again with the code verifies the session; the same post now issues the token
    assert admin_login(client, member, device, password=PASSWORD).status_code == 302
    assert client.post(ISSUE, FORM).status_code == 200
    issued = ApiClient.objects.get()
    assert (issued.user, issued.role) == (member, roles.PAYMENTS_OPERATIONS)
    assert AuditEvent.objects.get(action="fintech.api_client.created").actor == member
