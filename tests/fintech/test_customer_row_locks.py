"""A profile change locks the customer row only against other profile changes: rows that
merely reference the customer (payments, alerts, monitored transactions) still commit, so
a monitoring batch raising a customer's risk cannot deadlock with another committing rows
for the same customer."""

import threading

import pytest
from django.db import connection, connections, transaction

from fintech.services.customers import customer_update
from payments.models import Payment
from payments.services.payments import payment_create
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("audit_shard_heads")]


def test_a_row_referencing_a_customer_commits_while_the_customer_is_being_updated():
    customer = CustomerFactory()
    updated, release, errors = threading.Event(), threading.Event(), []

    def risk_raise():
        try:
            with transaction.atomic():
                customer_update(customer=customer, actor=None, changes={"risk_score": 80, "risk_rating": "high"})
                updated.set()
                release.wait(timeout=30)
        except Exception as exc:  # asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=risk_raise)
    thread.start()
    try:
        assert updated.wait(timeout=30)
        # when a payment of that customer commits meanwhile (its foreign key checked at commit),
        # under a lock timeout that turns a wait on the customer's row into an error
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            payment = payment_create(customer=customer, amount=1500, currency="EUR")
    finally:
        release.set()
        thread.join(timeout=30)
    # then both committed
    assert errors == []
    assert Payment.objects.filter(pk=payment.pk, customer=customer).exists()
    customer.refresh_from_db()
    assert customer.risk_rating == "high"
