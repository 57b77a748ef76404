"""Races on PostgreSQL: one effect per webhook, one transfer per idempotency key."""

from __future__ import annotations

import pytest

from banking.models import PlaidItem, PlaidWebhookEvent, Transfer
from banking.services.transfers import transfer_initiate
from banking.services.webhooks import content_digest, plaid_webhook_apply
from fintech.models import AuditEvent
from tests.helpers import thread_race

pytestmark = pytest.mark.django_db(transaction=True)


def test_racing_workers_apply_a_webhook_once(fake_plaid, linked_item):
    item = linked_item()
    payload = {"webhook_type": "ITEM", "webhook_code": "USER_PERMISSION_REVOKED", "item_id": item.item_id}
    event = PlaidWebhookEvent.objects.create(
        content_sha256=content_digest(payload),
        webhook_type="ITEM",
        webhook_code="USER_PERMISSION_REVOKED",
        item_id=item.item_id,
        payload=payload,
    )
    results = thread_race([lambda: plaid_webhook_apply(event_id=event.pk)] * 4)
    assert sorted(results) == ["already applied"] * 3 + ["revoked"]
    assert PlaidItem.objects.get(pk=item.pk).status == PlaidItem.Status.REVOKED
    assert AuditEvent.objects.filter(action="banking.item.status_changed").count() == 1


def test_racing_requests_with_one_idempotency_key_make_one_transfer(fake_plaid, linked_item):
    item = linked_item()
    account = item.accounts.get(subtype="checking")

    def request():
        return transfer_initiate(
            customer=item.customer,
            account=account,
            direction="debit",
            amount=1000,
            currency="USD",
            idempotency_key="same",
        ).pk

    results = thread_race([request] * 4)
    assert all(isinstance(r, int) for r in results), results
    assert len(set(results)) == 1 and Transfer.objects.count() == 1
    assert fake_plaid.count("/transfer/create") == 1
