import re

import pytest

from fintech import roles
from fintech.models import AuditEvent
from fintech.selectors import customer_by_email
from tests.factories import PASSWORD, make_staff
from tests.helpers import current_totp

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_analyst_signs_in_to_the_admin_with_a_totp_code(page, screenshot):
    user, device = make_staff("analyst", roles.ANALYST)
    page.goto("/admin/")
    page.fill("#id_username", "analyst")
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", current_totp(device))
    screenshot("admin-login")
    page.click("input[type=submit]")
    page.wait_for_selector("text=Compliance and operations")
    screenshot("admin-index-analyst")
    assert AuditEvent.objects.filter(action="fintech.auth.login", actor=user).exists()


def test_a_password_without_a_code_does_not_open_the_admin(page):
    make_staff("analyst", roles.ANALYST)
    page.goto("/admin/")
    page.fill("#id_username", "analyst")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    assert page.locator(".errornote, .errorlist").first.is_visible()
    assert "/admin/login/" in page.url


def test_a_customer_signs_up_and_sees_the_dashboard(page, screenshot, mailoutbox):
    page.goto("/accounts/signup/")
    page.fill("#id_legal_name", "Ada Lovelace")
    page.fill("#id_email", "ada@example.com")
    page.fill("#id_country", "GB")
    page.fill("#id_date_of_birth", "1990-12-10")
    page.fill("#id_password1", "analytical-engine-1843")
    page.fill("#id_password2", "analytical-engine-1843")
    page.click("button[type=submit]")
    page.wait_for_selector("text=Check your inbox")
    # the address is confirmed by the link mailed to it, which signs the customer in
    page.goto(re.search(r"https?://[^/]+(/accounts/confirm/\S+)", mailoutbox[-1].body).group(1))
    page.wait_for_selector("text=Welcome, Ada Lovelace")
    screenshot("customer-dashboard")
    assert customer_by_email("ada@example.com").country == "GB"
