"""`seed_demo` plays its scenario through the sandbox: afterwards every list an officer or a
payments operator works from has rows, made by the real paths."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from banking.models import BankTransaction, PlaidItem, PlaidWebhookEvent, Transfer
from compliance.cases.models import Case, SarDraft
from compliance.monitoring.models import Alert, MonitoredTransaction
from compliance.screening.models import ScreeningHit
from fintech.models import AuditEvent
from ledger.models import JournalEntry
from ledger.selectors import journal_entry_totals, ledger_balances
from payments.models import Dispute, Payment, Payout, ReconciliationItem, Refund, WebhookDelivery
from tests.payments.conftest import eager_tasks  # noqa: F401  (shared fixture: the relay's tasks run here)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.usefixtures("eager_tasks")
def test_after_seed_demo_every_admin_list_has_work_in_it(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    # payments: each Stripe test card's outcome, a refund, a dispute, a Braintree sale, a payout
    statuses = sorted(Payment.objects.values_list("gateway", "status"))
    assert statuses == sorted(
        [
            ("stripe", "succeeded"),
            ("stripe", "succeeded"),
            ("stripe", "succeeded"),
            ("stripe", "failed"),
            ("braintree", "succeeded"),
        ]
    )
    assert Payment.objects.get(status="failed").failure_reason == "Your card was declined."
    assert Refund.objects.filter(status="succeeded", amount=2_500).exists()
    assert Dispute.objects.filter(reason="fraudulent").exists()
    assert Payout.objects.filter(status="paid").exists()
    assert WebhookDelivery.objects.filter(status="applied").count() >= 6
    assert WebhookDelivery.objects.filter(status="ignored").exists()  # the dashboard charge: not ours
    assert any(balance for balance in ledger_balances().values())
    # reconciliation: the charge taken on Stripe's dashboard is an exception to work
    assert ReconciliationItem.objects.filter(classification="missing_in_ledger").exists()
    assert ReconciliationItem.objects.filter(classification="matched").exists()
    # banking: a linked bank, synced, a settled withdrawal, and a transfer refused on a sanctioned co-owner
    assert PlaidItem.objects.count() == 2 and BankTransaction.objects.exists()
    assert PlaidWebhookEvent.objects.filter(status="applied").count() == 3
    assert Transfer.objects.filter(status="settled").exists()
    assert Transfer.objects.filter(status="refused").exists()
    assert ScreeningHit.objects.filter(matched_name__icontains="ZUMAR").exists()
    # compliance: monitoring decided the sandbox's money movements; alerts, cases, a SAR draft
    assert MonitoredTransaction.objects.filter(source="payments").exists()
    assert MonitoredTransaction.objects.filter(source="banking").exists()
    assert Alert.objects.exists() and Case.objects.exists() and SarDraft.objects.exists()
    assert "Where to start" in out.getvalue()
    # every journal entry balances, every payment's success is audited
    assert all(set(journal_entry_totals(entry=e).values()) == {0} for e in JournalEntry.objects.all())
    assert AuditEvent.objects.filter(action="payments.payment.succeeded").count() == 4


def test_seed_demo_plays_its_scenario_once(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    first = io.StringIO()
    call_command("seed_demo", stdout=first)
    counts = (
        Payment.objects.count(),
        JournalEntry.objects.count(),
        Transfer.objects.count(),
        WebhookDelivery.objects.count(),
        AuditEvent.objects.count(),
    )
    second = io.StringIO()
    call_command("seed_demo", stdout=second)
    assert (
        Payment.objects.count(),
        JournalEntry.objects.count(),
        Transfer.objects.count(),
        WebhookDelivery.objects.count(),
        AuditEvent.objects.count(),
    ) == counts
    assert first.getvalue() == second.getvalue()
    # the sandbox kept what the scenario made, for `python -m sandbox` to serve
    assert {path.name for path in (tmp_path / "sandbox").iterdir()} == {
        "stripe.pickle",
        "braintree.pickle",
        "plaid.pickle",
    }
