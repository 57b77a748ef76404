"""Storing a delivery on the request path without a per-request health check.

Real PostgreSQL: the server ends the connection's backend (`pg_terminate_backend`, what
a restart or an idle timeout does), and the next delivery must still be stored, on a new
connection, outside a transaction block; inside one, the loss is an error, not a retry.
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from payments.models import WebhookDelivery
from payments.services.webhooks import webhook_delivery_store


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _terminate_from_elsewhere(pid: int) -> None:
    other = connection.get_new_connection(connection.get_connection_params())
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            assert cursor.fetchone()[0] is True
    finally:
        other.close()


def _store(key: str) -> tuple[int, bool]:
    return webhook_delivery_store(
        provider="stripe", event_key=key, event_type="charge.refunded", raw_body=f'{{"id": "{key}"}}'
    )


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_ended_is_replaced_and_the_delivery_stored_once():
    # given: the connection is open, then its backend is ended by the server
    first_id, _ = _store("evt_before")
    lost_pid = _backend_pid()
    _terminate_from_elsewhere(lost_pid)
    # when: the next delivery arrives on that (dead) connection
    delivery_id, created = _store("evt_after_loss")
    # then: stored and committed, on a new backend, and the same event again is a duplicate
    assert created is True and delivery_id != first_id
    assert _backend_pid() != lost_pid
    assert WebhookDelivery.objects.filter(event_key="evt_after_loss").count() == 1
    assert _store("evt_after_loss") == (delivery_id, False)


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_block_a_lost_connection_is_an_error_and_nothing_is_stored():
    _store("evt_warm")
    # when: the backend is ended while the caller holds a transaction open
    with pytest.raises(DatabaseError):
        with transaction.atomic():
            _terminate_from_elsewhere(_backend_pid())
            _store("evt_in_lost_tx")
    connection.close()
    # then: not retried behind the caller's back (its transaction is gone), nothing stored
    assert not WebhookDelivery.objects.filter(event_key="evt_in_lost_tx").exists()
    assert WebhookDelivery.objects.filter(event_key="evt_warm").exists()
