"""Issue #17: reusing a refund's idempotency key for a different refund is a 409.

The penetration test refunded 10.00 of a payment under a key, then sent the same key
with 15.00 and got the first refund back with a 201, as if the second request had been
carried out. The same key with a different request must be a conflict, writing nothing.
"""

from __future__ import annotations

import datetime

import pytest
from freezegun import freeze_time

from fintech import roles
from fintech.models import AuditEvent
from payments.models import Refund
from tests.factories import make_staff
from tests.helpers import current_totp
from tests.payments.conftest import fake_stripe, submitted_payment, webhook_secrets  # noqa: F401  (fixtures)
from tests.payments.test_api import _api, paid  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_refund_key_reused_with_a_different_amount_is_a_conflict_and_writes_nothing(paid):  # noqa: F811
    operator, device = make_staff("payops", roles.PAYMENTS_OPERATIONS)
    api = _api(operator)
    url = f"/api/v1/payments/{paid.pk}/refunds/"
    # each staff refund carries a fresh second factor (a TOTP code works once)
    first = api.post(
        url,
        {"amount": 1000, "reason": "goodwill", "idempotency_key": "ticket-42"},
        format="json",
        HTTP_X_OTP_CODE=current_totp(device),
    )
    assert first.status_code == 201
    audit_before = AuditEvent.objects.count()

    with freeze_time(datetime.timedelta(seconds=device.step), tick=True):
        reused = api.post(
            url,
            {"amount": 1500, "reason": "goodwill", "idempotency_key": "ticket-42"},
            format="json",
            HTTP_X_OTP_CODE=current_totp(device),
        )

    assert reused.status_code == 409, reused.content
    body = reused.json()
    assert body["error"] == "idempotency_key_reused"
    assert "ticket-42" in body["detail"] and f"refund {first.json()['id']}" in body["detail"]
    assert list(Refund.objects.values_list("amount", flat=True)) == [1000]
    assert AuditEvent.objects.count() == audit_before
    assert AuditEvent.objects.filter(action="payments.refund.requested").count() == 1
