"""Demo data of the core: staff in every role, customers, an API client.

Deterministic (fixed passwords, TOTP secrets and token, derived from the username) so
that re-running `seed_demo` prints the same credentials and creates nothing twice.
Only ever run outside production (the command refuses).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac

from django.conf import settings
from django.contrib.auth import get_user_model

from fintech import roles
from fintech.models import ApiClient, StaffTOTPDevice
from fintech.selectors import customer_by_email
from fintech.services.api_clients import api_client_create, hash_token
from fintech.services.customers import customer_sign_up
from fintech.services.staff import staff_user_create, totp_secret_base32

DEMO_STAFF = [
    ("officer", roles.COMPLIANCE_OFFICER),
    ("officer2", roles.COMPLIANCE_OFFICER),
    ("analyst", roles.ANALYST),
    ("payops", roles.PAYMENTS_OPERATIONS),
    ("auditor", roles.AUDITOR),
]
DEMO_CUSTOMERS = [
    ("alice@example.com", "Alice Martin", "GB", datetime.date(1985, 3, 14)),
    ("bob@example.com", "Robert Okafor", "NG", datetime.date(1979, 11, 2)),
    ("carmen@example.com", "Carmen Ruiz Delgado", "ES", datetime.date(1992, 6, 30)),
    ("dmitri@example.com", "Dmitri Volkov", "CY", datetime.date(1970, 1, 23)),
    ("eve@example.com", "Eve Tanaka", "JP", datetime.date(1995, 8, 8)),
    ("farid@example.com", "Farid Haddad", "AE", datetime.date(1988, 12, 1)),
]


def demo_password(username: str) -> str:
    return f"demo-{username}-Passw0rd!"


def _derived(label: str, size: int) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), label.encode(), hashlib.sha256).hexdigest()[:size]


def seed(out) -> None:
    users = get_user_model().objects
    out.write("Staff (admin at /admin/; password + TOTP code):")
    for username, role in DEMO_STAFF:
        if not users.filter(username=username).exists():
            staff_user_create(
                username=username,
                email=f"{username}@back-office.example",
                password=demo_password(username),
                role=role,
                totp_key_hex=_derived(f"demo-totp:{username}", 40),
            )
        device = StaffTOTPDevice.objects.get(user__username=username)
        out.write(
            f"  {role:<20} user {username:<9} password {demo_password(username):<28} "
            f"TOTP secret {totp_secret_base32(device)}"
        )
    out.write("Customers (sign in at /accounts/login/):")
    for email, name, country, dob in DEMO_CUSTOMERS:
        if customer_by_email(email) is None:
            customer_sign_up(
                email=email,
                password=demo_password(email.split("@")[0]),
                legal_name=name,
                country=country,
                date_of_birth=dob,
                address_confirmed=True,
            )
        out.write(f"  {name:<22} user {email:<20} password {demo_password(email.split('@')[0])}")
    token = "fk_demo_" + _derived("demo-api-client:alice", 32)
    if not ApiClient.objects.filter(token_hash=hash_token(token)).exists():
        client, _ = api_client_create(name="Alice's bookkeeping app", user=customer_by_email("alice@example.com").user)
        ApiClient.objects.filter(pk=client.pk).update(token_hash=hash_token(token), token_prefix=token[:10])
    out.write(f"API client for alice@example.com: Authorization: Token {token}")
