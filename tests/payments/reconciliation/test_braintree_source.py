"""The Braintree source: transactions searched by settlement date through the real SDK
(the Braintree adapter's `settled_transactions`) against the fake gateway."""

from __future__ import annotations

import pytest

from payments.models import Payment, ReconciliationItem
from payments.reconciliation.runs import reconciliation_run_now
from payments.reconciliation.sources import BraintreeSource
from payments.services.payments import payment_transition
from tests.payments.braintree_helpers import submitted_braintree_payment
from tests.payments.reconciliation.conftest import period

pytestmark = pytest.mark.django_db
C = ReconciliationItem.Classification


def test_settled_braintree_transactions_are_reconciled_with_their_service_fee(fake_braintree):
    # given: two sales settled at the gateway (one with a service fee); the ledger knows only the first
    booked = submitted_braintree_payment(fake_braintree, 2500, "EUR")
    unbooked = submitted_braintree_payment(fake_braintree, 1800, "EUR")
    fake_braintree.settle(booked.gateway_reference, service_fee="0.75")
    fake_braintree.settle(unbooked.gateway_reference)
    assert payment_transition(payment=booked, to=Payment.Status.SUCCEEDED)
    start, end = period()
    # when
    run = reconciliation_run_now(gateway="braintree", period_start=start, period_end=end, source=BraintreeSource())
    # then
    found = {i.reference: i for i in ReconciliationItem.objects.filter(run=run)}
    item = found[booked.gateway_reference]
    assert (item.classification, item.ledger_object_id) == (C.MATCHED, booked.pk)
    assert (item.gateway_amount, item.gateway_fee, item.gateway_net, item.gateway_currency) == (2500, 75, 2425, "EUR")
    assert found[unbooked.gateway_reference].classification == C.MISSING_IN_LEDGER
    assert run.records_fetched == 2
