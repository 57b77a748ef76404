"""Races on PostgreSQL: one effect per webhook, one transfer per idempotency key."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from banking.models import PlaidItem, PlaidWebhookEvent, Transfer
from banking.services.transfers import transfer_initiate
from banking.services.webhooks import content_digest, plaid_webhook_apply
from fintech.models import AuditEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(target, count: int = 4) -> list:
    results, barrier = [], threading.Barrier(count)

    def run():
        try:
            barrier.wait()
            results.append(target())
        except Exception as exc:  # collected, asserted by the test
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_racing_workers_apply_a_webhook_once(fake_plaid, linked_item):
    item = linked_item()
    payload = {"webhook_type": "ITEM", "webhook_code": "USER_PERMISSION_REVOKED", "item_id": item.item_id}
    event = PlaidWebhookEvent.objects.create(content_sha256=content_digest(payload), webhook_type="ITEM",
                                             webhook_code="USER_PERMISSION_REVOKED", item_id=item.item_id,
                                             payload=payload)
    results = _race(lambda: plaid_webhook_apply(event_id=event.pk))
    assert sorted(results) == ["already applied"] * 3 + ["revoked"]
    assert PlaidItem.objects.get(pk=item.pk).status == PlaidItem.Status.REVOKED
    assert AuditEvent.objects.filter(action="banking.item.status_changed").count() == 1


def test_racing_requests_with_one_idempotency_key_make_one_transfer(fake_plaid, linked_item):
    item = linked_item()
    account = item.accounts.get(subtype="checking")

    def request():
        return transfer_initiate(customer=item.customer, account=account, direction="debit", amount=1000,
                                 currency="USD", idempotency_key="same").pk

    results = _race(request)
    assert all(isinstance(r, int) for r in results), results
    assert len(set(results)) == 1 and Transfer.objects.count() == 1
    assert fake_plaid.count("/transfer/create") == 1
