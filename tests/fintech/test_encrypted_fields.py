import base64
import datetime

import pytest
from django.core.exceptions import FieldError
from django.db import connection

from fintech.crypto import DecryptionError, blind_index, build_key_ring, generate_key, key_id_of, key_ring
from fintech.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def raw_row(customer, *columns):
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM fintech_customer WHERE id = %s",
            [customer.pk],  # noqa: S608
        )
        return cursor.fetchone()


def test_values_are_stored_encrypted_and_read_back_in_clear():
    customer = CustomerFactory(national_id="AB123456C", date_of_birth=datetime.date(1980, 5, 17))

    stored_id, stored_dob = raw_row(customer, "national_id", "date_of_birth")
    assert "AB123456C" not in stored_id and "1980" not in stored_dob
    assert stored_id.startswith(f"v1:{key_ring().primary_id}:")
    fresh = Customer.objects.get(pk=customer.pk)
    assert fresh.national_id == "AB123456C"
    assert fresh.date_of_birth == datetime.date(1980, 5, 17)


def test_each_encryption_uses_a_fresh_nonce():
    a = CustomerFactory(national_id="SAME-VALUE")
    b = CustomerFactory(national_id="SAME-VALUE")
    assert raw_row(a, "national_id")[0] != raw_row(b, "national_id")[0]


def test_ciphertext_is_bound_to_its_column():
    customer = CustomerFactory(national_id="AB123456C", date_of_birth=datetime.date(1980, 5, 17))
    stored_id = raw_row(customer, "national_id")[0]
    with connection.cursor() as cursor:  # move the national id's ciphertext into the DOB column
        cursor.execute("UPDATE fintech_customer SET date_of_birth = %s WHERE id = %s", [stored_id, customer.pk])
    with pytest.raises(DecryptionError):
        Customer.objects.get(pk=customer.pk)


def test_tampered_ciphertext_fails_authentication():
    ring = build_key_ring([generate_key()])
    token = ring.encrypt(b"secret", associated_data=b"t.c")
    version, key_id, body = token.split(":")
    raw = bytearray(base64.urlsafe_b64decode(body))
    raw[-1] ^= 0x01  # one bit of the authentication tag
    flipped = f"{version}:{key_id}:{base64.urlsafe_b64encode(bytes(raw)).decode()}"
    with pytest.raises(DecryptionError):
        ring.decrypt(flipped, associated_data=b"t.c")
    assert key_id_of(token) == ring.primary_id


def test_encrypted_column_cannot_be_filtered_by_value_but_blind_index_finds_it():
    customer = CustomerFactory(national_id="AB 123 456 C")
    with pytest.raises(FieldError):
        Customer.objects.filter(national_id="AB 123 456 C").exists()
    found = Customer.objects.get(national_id_index=blind_index("ab 123  456 c", purpose="customer.national_id"))
    assert found == customer
    assert Customer.objects.filter(national_id__isnull=False, pk=customer.pk).exists()


def test_blind_indexes_of_different_purposes_differ():
    assert blind_index("x", purpose="a") != blind_index("x", purpose="b")
