import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from freezegun import freeze_time

from fintech import roles
from fintech.models import AuditEvent
from tests.factories import PASSWORD, make_staff
from tests.helpers import admin_login, current_totp

pytestmark = pytest.mark.django_db


def is_in_admin(client) -> bool:
    response = client.get("/admin/")
    return (
        response.status_code == 200
        and b"Site administration" in response.content
        or (response.status_code == 200 and b"Compliance and operations" in response.content)
    )


def test_admin_login_with_password_and_totp_succeeds_and_is_audited(client):
    user, device = make_staff("officer", roles.COMPLIANCE_OFFICER)
    response = admin_login(client, user, device, password=PASSWORD)
    assert response.status_code == 302
    assert is_in_admin(client)
    assert AuditEvent.objects.filter(action="fintech.auth.login", actor=user).exists()


def test_admin_refuses_a_password_only_login(client):
    user, device = make_staff("officer", roles.COMPLIANCE_OFFICER)
    response = client.post("/admin/login/?next=/admin/", {"username": "officer", "password": PASSWORD})
    assert response.status_code == 200  # the form again, with an error
    assert not is_in_admin(client)
    assert AuditEvent.objects.filter(action="fintech.auth.login_failed", actor_label="officer").exists()


def test_admin_refuses_a_wrong_totp_code(client):
    user, device = make_staff("officer", roles.COMPLIANCE_OFFICER)
    wrong = f"{(int(current_totp(device)) + 1) % 1_000_000:06d}"
    client.post("/admin/login/", {"username": "officer", "password": PASSWORD, "otp_token": wrong})
    assert not is_in_admin(client)


def test_staff_without_a_device_cannot_enter_the_admin_even_with_the_right_password(client):
    user, device = make_staff("nodevice", roles.ANALYST)
    device.delete()
    client.force_login(user)  # a session from a password-only login elsewhere
    assert client.get("/admin/").status_code == 302  # sent to the login page


def test_customer_login_page_refuses_staff(client):
    make_staff("officer", roles.COMPLIANCE_OFFICER)
    response = client.post("/accounts/login/", {"username": "officer", "password": PASSWORD})
    assert response.status_code == 200 and b"Please enter a correct" in response.content
    assert "_auth_user_id" not in client.session


def test_eleven_bad_logins_lock_the_username_even_from_different_ips(client):
    user, device = make_staff("officer", roles.COMPLIANCE_OFFICER)
    for attempt in range(11):
        client.post(
            "/admin/login/",
            {"username": "officer", "password": "wrong-password", "otp_token": "000000"},
            REMOTE_ADDR=f"10.0.0.{attempt + 1}",
        )
    # the right password and a valid code, from yet another address: still locked
    response = admin_login(client, user, device, password=PASSWORD, ip="10.0.1.99")
    assert response.status_code == 429
    assert not is_in_admin(client)
    assert AccessAttempt.objects.filter(username="officer").exists()
    assert AuditEvent.objects.filter(action="fintech.auth.locked_out", actor_label="officer").exists()
    assert AuditEvent.objects.filter(action="fintech.auth.login_failed").count() >= 10
    # another user is not affected
    other, other_device = make_staff("analyst", roles.ANALYST)
    assert admin_login(client, other, other_device, password=PASSWORD, ip="10.0.1.99").status_code == 302


def test_the_lock_lifts_after_thirty_minutes(client):
    user, device = make_staff("officer", roles.COMPLIANCE_OFFICER)
    start = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)
    with freeze_time(start):
        for _ in range(10):
            client.post("/admin/login/", {"username": "officer", "password": "nope-nope-nope", "otp_token": "1"})
        assert admin_login(client, user, device, password=PASSWORD).status_code == 429
    with freeze_time(start + datetime.timedelta(minutes=31)):
        assert admin_login(client, user, device, password=PASSWORD).status_code == 302


def test_staff_sessions_expire_after_fifteen_idle_minutes(client):
    user, device = make_staff("officer", roles.COMPLIANCE_OFFICER)
    start = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)
    with freeze_time(start):
        admin_login(client, user, device, password=PASSWORD)
        assert is_in_admin(client)
    with freeze_time(start + datetime.timedelta(minutes=14)):
        assert is_in_admin(client)  # activity resets the idle clock
    with freeze_time(start + datetime.timedelta(minutes=28)):
        assert is_in_admin(client)
    with freeze_time(start + datetime.timedelta(minutes=44)):
        assert not is_in_admin(client)


def test_role_groups_exist_with_their_permissions():
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ROLES)
    auditor = Group.objects.get(name=roles.AUDITOR)
    codenames = set(auditor.permissions.values_list("codename", flat=True))
    assert {"view_customer", "view_auditevent"} <= codenames
    assert not any(c.startswith(("add_", "change_", "delete_")) for c in codenames)


def test_auditor_reads_but_cannot_change_and_the_denial_is_audited(client):
    user, device = make_staff("auditor", roles.AUDITOR)
    admin_login(client, user, device, password=PASSWORD)
    assert client.get("/admin/fintech/auditevent/").status_code == 200
    customer_changelist = client.get("/admin/fintech/customer/")
    assert customer_changelist.status_code == 200
    assert client.get("/admin/fintech/customer/add/").status_code == 403
    assert AuditEvent.objects.filter(action="fintech.access.denied", actor=user, outcome="denied").exists()


def test_payments_operations_cannot_read_the_audit_trail(client):
    user, device = make_staff("payops", roles.PAYMENTS_OPERATIONS)
    admin_login(client, user, device, password=PASSWORD)
    assert client.get("/admin/fintech/auditevent/").status_code == 403


def test_passwords_shorter_than_twelve_characters_are_refused():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("Short-pw-11")
    validate_password("a-long-enough-passphrase")


def test_changes_made_in_stock_admin_pages_are_audited(client):
    user, device = make_staff("root", superuser=True)
    target, _ = make_staff("analyst", roles.ANALYST)
    admin_login(client, user, device, password=PASSWORD)
    officers = Group.objects.get(name=roles.COMPLIANCE_OFFICER)
    response = client.post(
        f"/admin/auth/user/{target.pk}/change/",
        {
            "username": "analyst",
            "email": "analyst@back-office.example",
            "is_active": "on",
            "is_staff": "on",
            "groups": [officers.pk],
            "date_joined_0": "2026-11-01",
            "date_joined_1": "09:00:00",
            "initial-date_joined_0": "2026-11-01",
            "initial-date_joined_1": "09:00:00",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    event = AuditEvent.objects.get(action="admin.auth.user.changed", target_id=str(target.pk))
    assert event.actor == user and "Groups" in event.after["change"]
