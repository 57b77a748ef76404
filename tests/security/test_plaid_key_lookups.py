"""Issue #17 item 10: Plaid verification-key look-ups are bounded.

The penetration test sent 20 unauthenticated webhooks, each with a random `kid`, and
caused 22 outbound calls to Plaid's `/webhook_verification_key/get`. Unknown kids are now
remembered as unknown, and look-ups of kids not seen before are budgeted per minute.
"""

from __future__ import annotations

import json
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from freezegun import freeze_time

from banking import conf
from banking.models import PlaidWebhookEvent
from tests.banking.conftest import _fresh_cache, fake_plaid, post_webhook  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db
BODY = {
    "webhook_type": "TRANSACTIONS",
    "webhook_code": "SYNC_UPDATES_AVAILABLE",
    "item_id": "item-x",
    "environment": "sandbox",
}


def _forged(client, server, kid: str):
    # signed by the attacker's own key, under a kid Plaid never issued
    return post_webhook(client, server, BODY, kid=kid, key=ec.generate_private_key(ec.SECP256R1()))


@freeze_time("2026-12-07 12:00:05")
def test_random_kids_cannot_make_us_call_plaid_without_bound(client, fake_plaid):  # noqa: F811
    answers = [_forged(client, fake_plaid, f"kid-{uuid.uuid4()}").status_code for _ in range(20)]

    assert fake_plaid.count("/webhook_verification_key/get") == conf.WEBHOOK_KEY_LOOKUPS_PER_MINUTE
    assert set(answers) <= {400, 503} and 500 not in answers
    assert answers.count(503) == 20 - conf.WEBHOOK_KEY_LOOKUPS_PER_MINUTE  # "retry later", never a 500
    assert not PlaidWebhookEvent.objects.exists()


@freeze_time("2026-12-07 12:00:05")
def test_an_unknown_kid_sent_again_costs_no_second_call(client, fake_plaid):  # noqa: F811
    answers = [_forged(client, fake_plaid, "kid-nobody-knows") for _ in range(5)]

    assert fake_plaid.count("/webhook_verification_key/get") == 1
    assert {a.status_code for a in answers} == {400}
    assert {json.loads(a.content)["error"] for a in answers} == {"unknown_key"}


@freeze_time("2026-12-07 12:00:05")
def test_plaids_own_webhooks_still_verify_after_a_burst_of_forged_kids(client, fake_plaid):  # noqa: F811
    assert post_webhook(client, fake_plaid, BODY).status_code == 200  # Plaid's key, now cached
    for _ in range(2 * conf.WEBHOOK_KEY_LOOKUPS_PER_MINUTE):
        _forged(client, fake_plaid, f"kid-{uuid.uuid4()}")

    again = post_webhook(client, fake_plaid, {**BODY, "item_id": "item-y"})

    assert again.status_code == 200
