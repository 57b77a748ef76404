"""Load-test data: a customer with payments and an API client token (idempotent but for
the token, which is new on every run because only its hash is stored; the previous
run's token is revoked).

Run inside the load's environment: `python -m loadtest.seed` prints one JSON line with
the customer's login and the API token for the locust users.
"""

from __future__ import annotations

import json
import os
import secrets

LOAD_EMAIL = "load-customer@example.test"
PAYMENTS = 40


def seed() -> dict:
    from django.db import transaction

    from fintech.models import ApiClient
    from fintech.selectors import customer_by_email
    from fintech.services.api_clients import api_client_create, api_client_revoke
    from fintech.services.customers import customer_sign_up
    from payments.models import Payment
    from payments.services.payments import payment_create

    password = secrets.token_urlsafe(18)
    with transaction.atomic():
        existing = customer_by_email(LOAD_EMAIL)
        if existing is None:
            customer = customer_sign_up(
                email=LOAD_EMAIL,
                password=password,
                legal_name="Load Test Customer",
                country="GB",
                address_confirmed=True,
            )
        else:
            customer, user = existing, existing.user
            user.set_password(password)  # a fresh password per run: it is never written anywhere
            user.save(update_fields=["password"])
        for index in range(Payment.objects.filter(customer=customer).count(), PAYMENTS):
            payment_create(customer=customer, amount=1_000 + index, currency="EUR")
        for client in ApiClient.objects.filter(user=customer.user, name="load test", revoked_at__isnull=True):
            api_client_revoke(client=client, actor=None)
        _, token = api_client_create(name="load test", user=customer.user)
    return {"username": LOAD_EMAIL, "password": password, "api_token": token}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    print(json.dumps(seed()))


if __name__ == "__main__":
    main()
