"""Issue #17, sign-in: each attack as the penetration test sent it, and its safe outcome.

Items 4 (password spraying), 5 (lockout as denial of service), 6 (password oracle) and
the idle timer that started late. Axes keeps its counts in PostgreSQL.
"""

from __future__ import annotations

import datetime
import importlib

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.apps import apps as django_apps
from freezegun import freeze_time

from fintech import roles
from fintech.lockout import PSEUDONYM_PREFIX, signin_username
from fintech.models import AuditEvent
from tests.factories import PASSWORD, CustomerFactory, make_staff
from tests.helpers import admin_login, current_totp

pytestmark = pytest.mark.django_db

signin_migration = importlib.import_module("fintech.migrations.0010_signin_records_without_typed_emails")

ATTACKER = "203.0.113.7"
OWNER = "198.51.100.20"
T0 = datetime.datetime(2026, 12, 7, 9, 0, tzinfo=datetime.UTC)


def customer_login(client, username: str, password: str, ip: str):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def wrong_staff_login(client, username: str, ip: str):
    return client.post(
        "/admin/login/", {"username": username, "password": "Summer2026!", "otp_token": "000000"}, REMOTE_ADDR=ip
    )


def test_one_address_cannot_spray_passwords_across_staff_accounts(client):
    # given: four staff accounts
    staff = [make_staff(f"staff{n}", roles.ANALYST) for n in range(4)]
    # when: nine wrong passwords on each, from one address (the pen-test's 36 x 200)
    statuses = [wrong_staff_login(client, user.username, ATTACKER).status_code for user, _ in staff for _ in range(9)]
    # then: the address is locked at its tenth failure, whatever account it tries
    assert statuses[:9] == [200] * 9
    assert set(statuses[9:]) == {429}
    fifth, fifth_device = make_staff("staff4", roles.ANALYST)
    assert admin_login(client, fifth, fifth_device, password=PASSWORD, ip=ATTACKER).status_code == 429
    assert AuditEvent.objects.filter(action="fintech.auth.locked_out", outcome="denied").exists()
    # and the sprayed staff, from their own address, still sign in (no username reached ten)
    user, device = staff[0]
    assert admin_login(client, user, device, password=PASSWORD, ip=OWNER).status_code == 302


def test_failed_logins_lock_the_attackers_address_not_the_customers_account(client):
    # given
    customer = CustomerFactory()
    username = customer.user.username
    # when: the pen-test's ten wrong passwords against a customer
    statuses = [customer_login(client, username, "wrong-password-1", ATTACKER).status_code for _ in range(10)]
    # then: the attacker's address is locked out ...
    assert statuses[-1] == 429
    assert customer_login(client, username, PASSWORD, ATTACKER).status_code == 429
    assert AuditEvent.objects.filter(action="fintech.auth.locked_out", actor_label=signin_username(username)).exists()
    # ... and the customer, from their own address, signs in at once
    assert customer_login(client, username, PASSWORD, OWNER).status_code == 302
    assert client.get("/dashboard/", REMOTE_ADDR=OWNER).status_code == 200


def test_failed_customer_sign_ins_keep_no_typed_email_but_an_officer_can_find_them(client):
    # given a customer, and an address that is nobody's
    customer = CustomerFactory()
    email, stranger = customer.user.username, "nobody.here@example.org"
    # when wrong passwords are tried for both
    for typed in (email, stranger, email):
        assert customer_login(client, typed, "wrong-password-1", ATTACKER).status_code == 200
    # then no sign-in record holds either address in clear ...
    records = [
        *AuditEvent.objects.values_list("actor_label", "target_id"),
        *AccessAttempt.objects.values_list("username"),
        *AccessFailureLog.objects.values_list("username"),
    ]
    assert records and not [value for row in records for value in row if "@" in (value or "")]
    # ... and the customer's failed sign-ins are found under their email's blind index
    own = signin_username(email)
    assert own == PSEUDONYM_PREFIX + customer.email_index
    assert AuditEvent.objects.filter(action="fintech.auth.login_failed", actor_label=own).count() == 2
    assert AccessFailureLog.objects.filter(username=own).count() == 2
    assert signin_username(stranger) not in (own, stranger)


def test_sign_in_records_written_before_hold_pseudonyms_after_the_migration():
    # given attempts recorded in clear, one of them beside its pseudonym's counter
    email, staff_name = "old.typed@example.com", "officer"
    make_staff(staff_name, roles.ANALYST)
    AccessAttempt.objects.create(username=email, ip_address=ATTACKER, user_agent="ua", failures_since_start=3)
    AccessAttempt.objects.create(
        username=signin_username(email), ip_address=ATTACKER, user_agent="ua", failures_since_start=2
    )
    AccessAttempt.objects.create(username=email, ip_address=OWNER, user_agent="ua", failures_since_start=1)
    AccessFailureLog.objects.create(username=email, ip_address=ATTACKER, user_agent="ua")
    AccessFailureLog.objects.create(username=staff_name, ip_address=ATTACKER, user_agent="ua")
    # when the migration runs
    signin_migration.pseudonymise(django_apps, None)
    # then no email is left, counts are kept, and staff usernames stay as typed
    assert not AccessAttempt.objects.filter(username__contains="@").exists()
    assert not AccessFailureLog.objects.filter(username__contains="@").exists()
    attempts = dict(AccessAttempt.objects.values_list("ip_address", "failures_since_start"))
    assert attempts == {ATTACKER: 5, OWNER: 1}
    assert set(AccessFailureLog.objects.values_list("username", flat=True)) == {signin_username(email), staff_name}


def test_a_customer_address_lock_grows_with_its_failures(client):
    username = CustomerFactory().user.username
    with freeze_time(T0):
        assert [customer_login(client, username, "nope-nope-1", ATTACKER).status_code for _ in range(10)][-1] == 429
    # the first lock is short: a minute later the address may try again ...
    with freeze_time(T0 + datetime.timedelta(seconds=61)):
        statuses = [customer_login(client, username, "nope-nope-2", ATTACKER).status_code for _ in range(10)]
        assert statuses[0] == 200 and statuses[-1] == 429
    # ... but the second lock is longer: a minute after it, still locked
    with freeze_time(T0 + datetime.timedelta(seconds=122)):
        assert customer_login(client, username, PASSWORD, ATTACKER).status_code == 429
    assert AccessAttempt.objects.filter(ip_address=ATTACKER).exists()


def test_a_staff_password_on_the_customer_login_answers_like_a_wrong_password(client):
    make_staff("officer", roles.COMPLIANCE_OFFICER)
    # when: the pen-test's right staff password on the customer page, and a wrong one
    right = customer_login(client, "officer", PASSWORD, ATTACKER)
    wrong = customer_login(client, "officer", "not-the-password", ATTACKER)
    # then: the same answer, no session, and both counted and audited as failures
    assert right.status_code == wrong.status_code == 200
    assert right.context["form"].non_field_errors() == wrong.context["form"].non_field_errors()
    assert b"back-office" not in right.content and "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get(username="officer").failures_since_start == 2
    assert AuditEvent.objects.filter(action="fintech.auth.login_failed", actor_label="officer").count() == 2


def test_a_right_staff_password_with_a_wrong_code_answers_like_a_wrong_password(client):
    user, device = make_staff("officer", roles.COMPLIANCE_OFFICER)
    wrong_code = f"{(int(current_totp(device)) + 1) % 1_000_000:06d}"
    # when: the right password with a wrong code, and a wrong password with the same code
    right = client.post(
        "/admin/login/", {"username": "officer", "password": PASSWORD, "otp_token": wrong_code}, REMOTE_ADDR=ATTACKER
    )
    wrong = client.post(
        "/admin/login/", {"username": "officer", "password": "not-it", "otp_token": wrong_code}, REMOTE_ADDR=ATTACKER
    )
    # then: the same message, no device list, the password not echoed back
    assert right.status_code == wrong.status_code == 200
    assert right.context["form"].non_field_errors() == wrong.context["form"].non_field_errors()
    assert b"Invalid token" not in right.content and b"otp_device" not in right.content
    assert PASSWORD.encode() not in right.content
    # and both are failures: counted towards the lockout and audited
    assert AccessAttempt.objects.get(username="officer").failures_since_start == 2
    assert AuditEvent.objects.filter(action="fintech.auth.login_failed", actor_label="officer").count() == 2


def test_a_customer_idle_timer_starts_at_sign_in(client):
    customer = CustomerFactory()
    with freeze_time(T0):
        assert customer_login(client, customer.user.username, PASSWORD, OWNER).status_code == 302
    # the first request comes after more than the 30 idle minutes: the session is over
    with freeze_time(T0 + datetime.timedelta(minutes=31)):
        response = client.get("/dashboard/", REMOTE_ADDR=OWNER)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert AuditEvent.objects.filter(action="fintech.auth.logout", actor=customer.user).exists()
