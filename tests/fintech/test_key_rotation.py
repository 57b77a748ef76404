import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from fintech.crypto import DecryptionError, generate_key, key_id_of, key_ring
from fintech.models import AuditEvent, Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def stored_key_ids():
    with connection.cursor() as cursor:
        cursor.execute("SELECT national_id, date_of_birth FROM fintech_customer")
        return {key_id_of(value) for row in cursor.fetchall() for value in row if value}


def test_rotation_re_encrypts_every_row_and_leaves_all_readable():
    old_key, new_key = generate_key(), generate_key()
    with override_settings(FIELD_ENCRYPTION_KEYS=[old_key]):
        old_id = key_ring().primary_id
        customers = [
            CustomerFactory(national_id=f"ID-{n}", date_of_birth=datetime.date(1970 + n, 1, 1)) for n in range(7)
        ]
        CustomerFactory(national_id="")  # empty values stay empty
    assert stored_key_ids() == {old_id}

    # given the new key first and the old one still listed
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key, old_key]):
        new_id = key_ring().primary_id
        # old rows are still readable before rotation
        assert Customer.objects.get(pk=customers[0].pk).national_id == "ID-0"
        # when
        call_command("rotate_encryption_keys", "--batch-size", "3", stdout=open("/dev/null", "w"))  # noqa: SIM115
    # then: no value is left under the retired key ...
    assert stored_key_ids() == {new_id}
    # ... so with the old key removed, every row still reads back
    with override_settings(FIELD_ENCRYPTION_KEYS=[new_key]):
        for n, customer in enumerate(customers):
            fresh = Customer.objects.get(pk=customer.pk)
            assert (fresh.national_id, fresh.date_of_birth) == (f"ID-{n}", datetime.date(1970 + n, 1, 1))
        # and new writes use the new key
        CustomerFactory(national_id="after-rotation")
        assert stored_key_ids() == {new_id}
    event = AuditEvent.objects.get(action="fintech.encryption.keys_rotated")
    assert event.after["columns"]["fintech_customer.national_id"] == 7


def test_a_value_under_an_unlisted_key_does_not_open():
    with override_settings(FIELD_ENCRYPTION_KEYS=[generate_key()]):
        customer = CustomerFactory(national_id="X1")
    with override_settings(FIELD_ENCRYPTION_KEYS=[generate_key()]), pytest.raises(DecryptionError):
        Customer.objects.get(pk=customer.pk)
