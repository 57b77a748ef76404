"""Issue #17, API authentication: each attack as the penetration test sent it, and its
safe outcome. Items 7 (staff tokens without a second factor, never expiring) and 17
(rate limits escaped with X-Forwarded-For; invalid tokens never throttled). Throttle
histories live in Redis, tokens and audit events in PostgreSQL.
"""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import override_settings
from freezegun import freeze_time
from rest_framework.test import APIClient

from fintech import roles
from fintech.models import ApiClient, AuditEvent
from fintech.services.api_clients import ApiClientRefused, api_client_create, staff_api_token_issue
from payments.models import Refund
from tests.factories import PASSWORD, CustomerFactory, make_staff
from tests.helpers import admin_login, api_client_for, current_totp
from tests.payments.conftest import fake_stripe, paid_payment, submitted_payment, webhook_secrets  # noqa: F401

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 12, 7, 9, 0, tzinfo=datetime.UTC)
ISSUE = "/admin/fintech/apiclient/issue-my-token/"
REFUND = {"amount": 1000, "reason": "goodwill", "idempotency_key": "pentest-1"}


def refund_url(payment) -> str:
    return f"/api/v1/payments/{payment.pk}/refunds/"


# --- item 7: staff tokens ---------------------------------------------------------------
def test_a_staff_token_alone_cannot_refund(paid_payment):  # noqa: F811
    operator, device = make_staff("payops", roles.PAYMENTS_OPERATIONS)
    api = api_client_for(operator)
    # when: the pen-test's refund with a Payments Operations token and no second factor
    response = api.post(refund_url(paid_payment), REFUND, format="json")
    # then: refused, nothing refunded
    assert response.status_code == 403 and "X-OTP-Code" in response.json()["detail"]
    assert not Refund.objects.exists()
    assert not AuditEvent.objects.filter(action="payments.refund.requested").exists()
    # with a current code from the operator's own device, the refund goes through
    done = api.post(refund_url(paid_payment), REFUND, format="json", HTTP_X_OTP_CODE=current_totp(device))
    assert done.status_code == 201
    assert AuditEvent.objects.get(action="payments.refund.requested").actor_id == operator.pk


def test_a_staff_token_acts_in_its_own_role_only(paid_payment):  # noqa: F811
    # given: someone in two roles, whose token was issued for the Analyst one
    user, device = make_staff("analyst-and-payops", roles.ANALYST)
    user.groups.add(Group.objects.get(name=roles.PAYMENTS_OPERATIONS))
    _, token = staff_api_token_issue(name="cli", user=user, role=roles.ANALYST, verified_device=device)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    # when: it refunds, with a valid second factor even
    response = api.post(refund_url(paid_payment), REFUND, format="json", HTTP_X_OTP_CODE=current_totp(device))
    # then: the Analyst role cannot refund
    assert response.status_code == 403
    assert not Refund.objects.exists()
    # and once the user leaves that role, the token stops working altogether
    user.groups.remove(Group.objects.get(name=roles.ANALYST))
    assert api.get("/api/v1/me/").status_code == 401


def test_a_staff_token_expires_within_hours():
    user, _ = make_staff("payops", roles.PAYMENTS_OPERATIONS)
    with freeze_time(T0):
        api = api_client_for(user)
        client = ApiClient.objects.get(user=user)
        assert client.expires_at == T0 + datetime.timedelta(hours=settings.STAFF_API_TOKEN_HOURS)
        assert AuditEvent.objects.get(action="fintech.api_client.created", target_id=str(client.pk)).after["role"]
    with freeze_time(T0 + datetime.timedelta(hours=settings.STAFF_API_TOKEN_HOURS) - datetime.timedelta(minutes=1)):
        assert api.get("/api/v1/me/").status_code == 200
    with freeze_time(T0 + datetime.timedelta(hours=settings.STAFF_API_TOKEN_HOURS, seconds=1)):
        assert api.get("/api/v1/me/").status_code == 401


def test_a_staff_token_is_issued_only_under_the_members_own_second_factor(client):
    member, device = make_staff("payops", roles.PAYMENTS_OPERATIONS)
    root, root_device = make_staff("root", superuser=True)
    # a password-only door (the command line, a service call) mints nothing for staff
    with pytest.raises(CommandError):
        call_command("create_api_client", "payops", "--name", "script")
    with pytest.raises(ApiClientRefused):
        api_client_create(name="script", user=member)
    # nor can an administrator add one in a staff member's name (or their own)
    admin_login(client, root, root_device, password=PASSWORD)
    for user in (member, root):
        form = {"name": "ops-cli", "user": user.pk}
        assert client.post("/admin/fintech/apiclient/add/", form).status_code == 200  # the form, with its error
    assert not ApiClient.objects.exists()
    # the member, signed in with their TOTP code, issues their own, and can revoke it
    client.logout()
    admin_login(client, member, device, password=PASSWORD)
    assert ISSUE.encode() in client.get("/admin/").content
    page = client.post(ISSUE, {"name": "ops-cli", "role": roles.PAYMENTS_OPERATIONS})
    issued = ApiClient.objects.get()
    assert page.status_code == 200 and issued.token_prefix.encode() in page.content
    assert (issued.user, issued.role) == (member, roles.PAYMENTS_OPERATIONS) and issued.expires_at is not None
    assert AuditEvent.objects.get(action="fintech.api_client.created").actor == member
    assert client.post(ISSUE, {"revoke": issued.pk}).status_code == 302
    assert ApiClient.objects.get().revoked_at is not None
    assert AuditEvent.objects.get(action="fintech.api_client.revoked").actor == member


def test_a_partner_token_carries_nothing_once_its_user_is_made_staff():
    customer = CustomerFactory()
    api = api_client_for(customer.user)
    customer.user.is_staff = True
    customer.user.save(update_fields=["is_staff"])
    assert api.get("/api/v1/me/").status_code == 401


# --- item 17: throttles ---------------------------------------------------------------------
def test_a_new_forwarded_for_on_each_request_does_not_escape_the_anonymous_limit():
    api = APIClient()
    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"].split("/")[0])
    statuses = [
        api.get("/api/docs/", HTTP_X_FORWARDED_FOR=f"198.18.{n // 250}.{n % 250 + 1}").status_code
        for n in range(limit + 1)
    ]
    assert statuses[:limit] == [200] * limit and statuses[-1] == 429


def test_behind_a_declared_proxy_the_address_it_wrote_is_the_callers(client):
    """With one trusted proxy, the caller forges the left of X-Forwarded-For and the
    proxy appends the address it saw: throttles, lockouts and the audit trail all use
    the proxy's entry, and two callers behind the same proxy are told apart."""
    api = APIClient()
    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"].split("/")[0])
    username = CustomerFactory().user.username
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}):
        statuses = [
            api.get("/api/docs/", **proxy, HTTP_X_FORWARDED_FOR=f"198.18.0.{n + 1}, 192.0.2.50").status_code
            for n in range(limit + 1)
        ]
        assert statuses[-1] == 429
        assert api.get("/api/docs/", **proxy, HTTP_X_FORWARDED_FOR="192.0.2.51").status_code == 200
        # ten wrong passwords from one caller lock that caller, not the proxy's other users
        for n in range(10):
            client.post(
                "/accounts/login/",
                {"username": username, "password": "wrong-password-1"},
                **proxy,
                HTTP_X_FORWARDED_FOR=f"198.18.1.{n + 1}, 192.0.2.50",
            )
        assert set(AuditEvent.objects.filter(action="fintech.auth.login_failed").values_list("ip", flat=True)) == {
            "192.0.2.50"
        }
        signed_in = client.post(
            "/accounts/login/", {"username": username, "password": PASSWORD}, **proxy, HTTP_X_FORWARDED_FOR="192.0.2.51"
        )
        assert signed_in.status_code == 302


def test_invalid_tokens_from_one_address_are_throttled():
    _, valid = api_client_create(name="partner", user=CustomerFactory().user)
    limit = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth_failure"].split("/")[0])
    api = APIClient()
    # when: the pen-test's 150 invalid tokens from one address
    statuses = []
    for n in range(150):
        api.credentials(HTTP_AUTHORIZATION=f"Token fk_guess{n:04d}")
        statuses.append(api.get("/api/v1/me/", REMOTE_ADDR="203.0.113.9").status_code)
    # then: 401 up to the limit, 429 after, and a right guess would not be let in either
    assert statuses[:limit] == [401] * limit and set(statuses[limit:]) == {429}
    api.credentials(HTTP_AUTHORIZATION=f"Token {valid}")
    assert api.get("/api/v1/me/", REMOTE_ADDR="203.0.113.9").status_code == 429
    # the partner, from its own address, is unaffected
    assert api.get("/api/v1/me/", REMOTE_ADDR="192.0.2.80").status_code == 200
