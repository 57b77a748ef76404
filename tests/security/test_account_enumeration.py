"""Issue #17 item 16, account enumeration: sign-up and password reset answer the same
for a known and an unknown address; only the address's inbox learns the difference."""

from __future__ import annotations

import re

import pytest

from fintech.models import AuditEvent, Customer
from fintech.models.customers import customer_email_index
from tests.factories import PASSWORD, CustomerFactory

pytestmark = pytest.mark.django_db

SIGN_UP = {
    "legal_name": "Mallory Example",
    "country": "GB",
    "date_of_birth": "1990-01-01",
    "password1": "a-long-enough-passphrase",
    "password2": "a-long-enough-passphrase",
}


def answer(response) -> tuple:
    return response.status_code, response.get("Location"), response.content


def test_sign_up_answers_the_same_for_a_known_and_an_unknown_address(client, mailoutbox):
    CustomerFactory(user__username="alice@example.com", user__email="alice@example.com")
    # when: the pen-test's sign-up with a known address (in capitals), and one with a new address
    known = client.post("/accounts/signup/", {**SIGN_UP, "email": "ALICE@example.com"})
    unknown = client.post("/accounts/signup/", {**SIGN_UP, "email": "nobody@example.com"})
    # then: the same answer; the known address gets no second account ...
    assert answer(known) == answer(unknown) == (302, "/accounts/signup/done/", b"")
    assert Customer.objects.filter(email_index=customer_email_index("alice@example.com")).count() == 1
    assert AuditEvent.objects.filter(action="fintech.customer.signed_up").count() == 1
    # ... and its owner is told by mail, while the new address gets its confirmation link
    to_alice, to_new = mailoutbox
    assert to_alice.to == ["alice@example.com"] and to_alice.subject == "You already have an account"
    assert "/accounts/password-reset/" in to_alice.body
    assert to_new.to == ["nobody@example.com"] and re.search(r"/accounts/confirm/\S+/\S+/", to_new.body)


def test_password_reset_answers_the_same_for_a_known_and_an_unknown_address(client, mailoutbox):
    customer = CustomerFactory(user__username="alice@example.com", user__email="alice@example.com")
    known = client.post("/accounts/password-reset/", {"email": "alice@example.com"})
    unknown = client.post("/accounts/password-reset/", {"email": "nobody@example.com"})
    assert answer(known) == answer(unknown) == (302, "/accounts/password-reset/done/", b"")
    # only the known address gets a link, and the link sets a new password, once, audited
    assert [mail.to for mail in mailoutbox] == [["alice@example.com"]]
    link = re.search(r"http://testserver(/accounts/reset/\S+)", mailoutbox[0].body).group(1)
    form = client.get(link, follow=True)
    new_password = "a-brand-new-passphrase"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password})
    assert done.status_code == 302
    customer.user.refresh_from_db()
    assert customer.user.check_password(new_password) and not customer.user.check_password(PASSWORD)
    assert AuditEvent.objects.filter(action="fintech.auth.password_reset", actor=customer.user).exists()
    again = client.get(link, follow=True)  # the link works once
    assert again.status_code == 200 and b"not valid" in again.content
