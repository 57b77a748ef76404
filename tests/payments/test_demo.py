from __future__ import annotations

import io

import pytest

from fintech.models import AuditEvent
from payments import demo
from payments.models import JournalEntry, Payment, Payout
from payments.selectors import journal_entry_totals


@pytest.mark.django_db
def test_demo_seed_is_balanced_audited_and_idempotent():
    first = io.StringIO()
    demo.seed(first)
    counts = (Payment.objects.count(), JournalEntry.objects.count(), Payout.objects.count(), AuditEvent.objects.count())
    second = io.StringIO()
    demo.seed(second)
    assert first.getvalue() == second.getvalue()
    assert (Payment.objects.count(), JournalEntry.objects.count(), Payout.objects.count(),
            AuditEvent.objects.count()) == counts
    assert counts[:3] == (4, 5, 1)  # three successes, one refund, one payout
    assert all(set(journal_entry_totals(entry=e).values()) == {0} for e in JournalEntry.objects.all())
    assert AuditEvent.objects.filter(action="payments.payment.succeeded").count() == 3
