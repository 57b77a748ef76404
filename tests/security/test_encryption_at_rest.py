"""Issue #17 items 11 and 12: secrets and personal data read straight from the database.

The pen-tester read the tables with SQL (as a leaked backup, a replica or an injection
would) and found TOTP seeds, customer emails, bank account owners, counterparty account
numbers, webhook bodies and Stripe client secrets in clear. Each test here stores the
value through the product's own door, reads the raw column with SQL, and asserts that
only ciphertext is there while the feature that needs the value still works.
"""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django_otp import device_classes

from compliance.monitoring.models import Alert, MonitoredTransaction
from compliance.monitoring.services.evaluation import aml_scan_run, transactions_upsert
from fintech import roles
from fintech.crypto import generate_key, key_id_of, key_ring
from fintech.fields import EncryptedTextField
from fintech.models import AuditEvent, Customer
from fintech.services.encryption import column_encrypt_in_place, encrypted_columns
from payments.models import Payment, WebhookDelivery
from tests.banking.conftest import OWNER, fake_plaid, linked_item  # noqa: F401 - fixtures
from tests.factories import PASSWORD, CustomerFactory, make_staff
from tests.helpers import admin_login
from tests.payments.conftest import fake_stripe, signed_headers, webhook_secrets  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def raw(table: str, column: str, where: str = "", params: tuple = ()) -> list[str]:
    """A column's stored values, as a reader of the database sees them."""
    with connection.cursor() as cursor:
        # Test-only SQL with constant identifiers.
        cursor.execute(f"SELECT {column}::text FROM {table} {where}", params)  # noqa: S608  # nosec B608
        return [row[0] for row in cursor.fetchall()]


def assert_ciphertext(values: list[str], *clear: str) -> None:
    assert values, "nothing stored"
    for value in values:
        assert value.startswith("v1:") and key_id_of(value) == key_ring().primary_id
        for text in clear:
            assert text.casefold() not in value.casefold()


# --- item 11 -------------------------------------------------------------------------


def test_totp_seed_is_stored_encrypted_and_admin_login_with_totp_still_works(client):
    # given an officer enrolled the usual way
    user, device = make_staff("officer", roles.COMPLIANCE_OFFICER)
    # then the seed column holds ciphertext, not the hex seed an attacker could mint codes from
    assert_ciphertext(raw("fintech_stafftotpdevice", "key", "WHERE user_id = %s", (user.pk,)), device.key)
    # and no device model django-otp would verify keeps its key in a clear column
    for model in device_classes():
        key = next((f for f in model._meta.concrete_fields if f.name == "key"), None)
        assert key is None or isinstance(key, EncryptedTextField), model
    # and the officer still signs in to the admin with password and TOTP code
    response = admin_login(client, user, device, password=PASSWORD)
    assert response.status_code == 302 and client.get("/admin/").status_code == 200
    assert AuditEvent.objects.filter(action="fintech.auth.login", actor=user).exists()


def test_clear_totp_devices_are_moved_to_encrypted_ones_by_the_migration(client):
    # given a device django-otp's plugin stored with its seed in clear (the table of a deployment
    # that ran otp_totp's migrations)
    user, device = make_staff("officer", roles.COMPLIANCE_OFFICER)
    seed = device.key
    device.delete()
    with connection.cursor() as cursor:
        cursor.execute("""
            CREATE TABLE otp_totp_totpdevice (
                id serial PRIMARY KEY, user_id integer NOT NULL, name varchar(64) NOT NULL, confirmed boolean NOT NULL,
                key varchar(80) NOT NULL, step smallint NOT NULL, t0 bigint NOT NULL, digits smallint NOT NULL,
                tolerance smallint NOT NULL, drift smallint NOT NULL, last_t bigint NOT NULL,
                throttling_failure_timestamp timestamptz NULL, throttling_failure_count integer NOT NULL,
                created_at timestamptz NULL, last_used_at timestamptz NULL)""")
        cursor.execute(
            "INSERT INTO otp_totp_totpdevice VALUES (DEFAULT, %s, 'phone', true, %s, 30, 0, 6, 1, 0, -1,"
            " NULL, 0, now(), NULL)",
            [user.pk, seed],
        )
    # when the migration's step runs
    _migration("fintech", "encrypt_customer_email_and_totp_secrets").totp_devices_move(
        _historical_apps("fintech"), connection.schema_editor()
    )
    # then the clear row is gone and the seed is ciphertext in the new table
    assert raw("otp_totp_totpdevice", "key") == []
    assert_ciphertext(raw("fintech_stafftotpdevice", "key"), seed)
    # and the officer's authenticator app goes on working
    moved = user.stafftotpdevice_set.get()
    assert moved.key == seed
    assert admin_login(client, user, moved, password=PASSWORD).status_code == 302


# --- item 12 -------------------------------------------------------------------------


def test_customer_email_is_stored_encrypted_and_sign_up_and_login_find_it_by_blind_index(client, mailoutbox):
    # given a customer signed up through the sign-up page
    email = "ada.lovelace@example.com"
    form = {
        "legal_name": "Ada Lovelace",
        "email": email,
        "country": "GB",
        "date_of_birth": "1990-12-10",
        "password1": "analytical-engine-1843",
        "password2": "analytical-engine-1843",
    }
    assert client.post("/accounts/signup/", form).status_code == 302
    # and confirmed through the link mailed to the address (found through the customer, not the login)
    assert mailoutbox[0].to == [email]
    client.get(re.search(r"http://testserver(/accounts/confirm/\S+/\S+/)", mailoutbox[0].body).group(1))
    client.post("/accounts/logout/")
    # then no column a reader can see holds the email: not the customer's, not the login's
    assert_ciphertext(raw("fintech_customer", "email"), email)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM auth_user WHERE username ILIKE %s OR email ILIKE %s", [email, email])
        assert cursor.fetchone()[0] == 0
    audit = AuditEvent.objects.get(action="fintech.customer.signed_up")
    assert email not in json.dumps(audit.after) and audit.after["email"] == "<set>"
    # and signing in with the email (any case) still works, through the blind index
    response = client.post(
        "/accounts/login/", {"username": "Ada.Lovelace@Example.com", "password": "analytical-engine-1843"}
    )
    assert response.status_code == 302 and client.get("/dashboard/").status_code == 200
    # and a second sign-up with the same email creates nothing (and says nothing: item 16)
    client.post("/accounts/logout/")
    again = client.post("/accounts/signup/", {**form, "email": email.upper()})
    assert again.status_code == 302 and Customer.objects.count() == 1


def test_bank_account_owner_names_are_stored_encrypted(linked_item):  # noqa: F811
    # given an item linked through Plaid, whose identity call names the account owner
    item = linked_item()
    # then the owner's name is ciphertext in the table ...
    assert_ciphertext(raw("banking_bankaccount", "owner_names", "WHERE item_id = %s", (item.pk,)), OWNER)
    # ... and still what the transfer pre-flight owner check reads
    assert all(account.owner_names == [OWNER] for account in item.accounts.all())


def test_counterparty_account_is_stored_encrypted_and_network_rules_still_match_it():
    # given a customer paying ten new accounts in a week (fan-out), one account paid twice
    customer = CustomerFactory()
    start = datetime.datetime(2026, 6, 1, 10, tzinfo=datetime.UTC)
    accounts = [f"GB29NWBK6016133192681{i}" for i in range(10)] + ["GB29NWBK60161331926810"]
    transactions_upsert(
        events=[
            {
                "source": "test",
                "source_id": f"tx-{i}",
                "customer_id": customer.pk,
                "occurred_at": (start + datetime.timedelta(hours=12 * i)).isoformat(),
                "direction": "out",
                "amount": 12_345,
                "currency": "GBP",
                "channel": "transfer",
                "account_id": "acc-1",
                "counterparty_name": "",
                "counterparty_account": account,
                "counterparty_country": "GB",
            }
            for i, account in enumerate(accounts)
        ]
        + [
            {
                # the history fan-out is judged against (a customer is not judged on the first days we know it)
                "source": "test",
                "source_id": "tx-history",
                "customer_id": customer.pk,
                "occurred_at": (start - datetime.timedelta(days=45)).isoformat(),
                "direction": "out",
                "amount": 5_000,
                "currency": "GBP",
                "channel": "transfer",
                "account_id": "acc-1",
                "counterparty_name": "",
                "counterparty_account": "GB29NWBK60161331920000",
                "counterparty_country": "GB",
            }
        ]
    )
    # then no account number is in the table; equal accounts share one blind index
    assert_ciphertext(raw("compliance_monitoredtransaction", "counterparty_account"), *accounts)
    indexes = raw("compliance_monitoredtransaction", "counterparty_account_index", "ORDER BY source_id")
    assert len(set(indexes)) == 11 and all(len(i) == 64 for i in indexes)  # ten new accounts, one known
    # and the network rule, set-wise in SQL over the index, still tells the ten accounts apart
    aml_scan_run(start=start - datetime.timedelta(days=1), end=start + datetime.timedelta(days=30))
    assert Alert.objects.filter(customer=customer, rule_code="fan_out").exists()
    # and officers still read the account number itself
    assert {t.counterparty_account for t in MonitoredTransaction.objects.all()} == {*accounts, "GB29NWBK60161331920000"}


def test_webhook_body_is_stored_encrypted_and_a_redelivery_is_still_recognised(client):
    # given a signed Stripe event naming a customer
    event = {
        "id": "evt_pii_1",
        "object": "event",
        "type": "customer.updated",
        "data": {"object": {"id": "cus_1", "object": "customer", "email": "jane.doe@example.com", "name": "Jane Doe"}},
    }
    body = json.dumps(event)
    assert (
        client.post("/webhooks/stripe/", data=body, content_type="application/json", **signed_headers(body)).status_code
        == 200
    )
    # then the stored body is ciphertext
    assert_ciphertext(raw("payments_webhookdelivery", "raw_body"), "jane.doe@example.com", "Jane Doe")
    # and the same delivery again is a duplicate (dedupe is on the event id, not the body)
    again = client.post("/webhooks/stripe/", data=body, content_type="application/json", **signed_headers(body))
    assert again.status_code == 200 and again.json()["duplicate"] is True
    # and the worker reads the body back as received
    assert WebhookDelivery.objects.get().raw_body == body


def test_stripe_client_secret_is_stored_encrypted_and_the_pay_page_still_gets_it(client, fake_stripe):  # noqa: F811
    # given a customer who starts a Stripe checkout
    customer = CustomerFactory()
    client.force_login(customer.user)
    response = client.post("/payments/checkout/", {"amount": "12.50", "currency": "EUR", "provider": "stripe"})
    payment = Payment.objects.get()
    assert payment.client_secret.startswith(payment.gateway_reference)
    # then the secret is ciphertext in the table
    assert_ciphertext(raw("payments_payment", "client_secret"), payment.client_secret)
    # and the pay page still hands it to Stripe's element
    page = client.get(response["Location"]).content.decode()
    assert f'data-client-secret="{payment.client_secret}"' in page


# --- rotation and data migration ------------------------------------------------------


def test_key_rotation_re_encrypts_every_new_encrypted_column():
    old_key, new_key = generate_key(), generate_key()
    # given one value in each column this change encrypts, under the old key
    with override_settings(FIELD_ENCRYPTION_KEYS=[old_key]):
        old_id = key_ring().primary_id
        make_staff("officer", roles.COMPLIANCE_OFFICER)
        customer = CustomerFactory(email="rotate@example.com")
        Payment.objects.create(customer=customer, amount=100, currency="EUR", client_secret="pi_1_secret_x")
        WebhookDelivery.objects.create(provider="stripe", event_key="evt_r", event_type="t", raw_body="{}")
        transactions_upsert(
            events=[
                {
                    "source": "test",
                    "source_id": "r1",
                    "customer_id": customer.pk,
                    "occurred_at": "2026-06-01T10:00:00Z",
                    "direction": "out",
                    "amount": 1,
                    "currency": "GBP",
                    "channel": "",
                    "account_id": "",
                    "counterparty_name": "",
                    "counterparty_account": "GB00ROTATE",
                    "counterparty_country": "",
                }
            ]
        )
        from banking.models import BankAccount, PlaidItem, PlaidWebhookEvent

        item = PlaidItem.objects.create(customer=customer, item_id="item-r", access_token="access-r")
        BankAccount.objects.create(item=item, account_id="acc-r", name="x", type="depository", owner_names=["A B"])
        PlaidWebhookEvent.objects.create(
            content_sha256="0" * 64, webhook_type="ITEM", webhook_code="X", payload={"webhook_type": "ITEM"}
        )
    new_columns = {
        ("fintech_stafftotpdevice", "key"),
        ("fintech_customer", "email"),
        ("payments_payment", "client_secret"),
        ("payments_webhookdelivery", "raw_body"),
        ("compliance_monitoredtransaction", "counterparty_account"),
        ("banking_bankaccount", "owner_names"),
        ("banking_plaidwebhookevent", "payload"),
    }
    covered = {(model._meta.db_table, field.column) for model, field in encrypted_columns()}
    assert new_columns <= covered
    assert all({key_id_of(v) for v in raw(table, column) if v} == {old_id} for table, column in new_columns)
    # when the keys are rotated
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, old_key]):
        new_id = key_ring().primary_id
        call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    # then every value of every new column is under the new key, and reads back without the old one
    for table, column in new_columns:
        assert {key_id_of(v) for v in raw(table, column) if v} == {new_id}, table
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key]):
        assert Customer.objects.get(pk=customer.pk).email == "rotate@example.com"
        assert BankAccount.objects.get().owner_names == ["A B"]
    rotated = AuditEvent.objects.get(action="fintech.encryption.keys_rotated").after["columns"]
    assert all(rotated[f"{table}.{column}"] >= 1 for table, column in new_columns)


def test_data_migration_encrypts_rows_stored_in_clear_and_fills_the_blind_index():
    # given customers whose emails were stored before the column was encrypted
    first, second = CustomerFactory(email=""), CustomerFactory(email="")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE fintech_customer SET email = 'old.one@example.com' WHERE id = %s", [first.pk])
        cursor.execute("UPDATE fintech_customer SET email = 'Old.Two@Example.com' WHERE id = %s", [second.pk])
    # when the migration's step runs (twice: it must be safe to re-run)
    assert column_encrypt_in_place(model=Customer, field_name="email", index_name="email_index", batch_size=1) == 2
    assert column_encrypt_in_place(model=Customer, field_name="email", index_name="email_index") == 0
    # then the emails are ciphertext and found by their blind index
    assert_ciphertext(raw("fintech_customer", "email", "WHERE email <> ''"), "old.one@example.com", "old.two")
    from fintech.selectors import customer_by_email

    assert customer_by_email("OLD.ONE@example.com").pk == first.pk
    assert customer_by_email("old.two@example.com").email == "Old.Two@Example.com"


def test_migration_renames_customer_logins_named_by_their_email(client):
    # given a customer whose login was named by their email, as sign-up used to do
    customer = CustomerFactory(
        user__username="grace@example.com", user__email="grace@example.com", email="grace@example.com"
    )
    staff, _ = make_staff("ops@example.com", roles.PAYMENTS_OPERATIONS)
    # when the migration's step runs
    _migration("fintech", "encrypt_customer_email_and_totp_secrets").customer_logins_detach_email(
        _historical_apps("fintech"), connection.schema_editor()
    )
    # then the login carries the opaque reference and no email; staff logins are left alone
    customer.user.refresh_from_db()
    assert (customer.user.username, customer.user.email) == (customer.external_id, "")
    staff.refresh_from_db()
    assert staff.username == "ops@example.com"
    # and the customer still signs in with their email
    assert client.post("/accounts/login/", {"username": "grace@example.com", "password": PASSWORD}).status_code == 302


def _migration(app: str, name_suffix: str):
    """A migration module of this change, found by name (the number changes at merge)."""
    import importlib
    import pkgutil

    package = importlib.import_module(f"{app}.migrations")
    name = next(m.name for m in pkgutil.iter_modules(package.__path__) if m.name.endswith(name_suffix))
    return importlib.import_module(f"{app}.migrations.{name}")


def _historical_apps(app: str):
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(connection)
    node = next(key for key in loader.graph.leaf_nodes() if key[0] == app)
    return loader.project_state(node).apps
