"""The reconciliation admin: runs and their start page, the exceptions queue and its two
resolutions, and who may do what (Payments Operations works the queue, Auditors read it,
other roles see none of it)."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from fintech import roles
from fintech.models import AuditEvent
from ledger.models import JournalEntry
from payments.models import ReconciliationItem, ReconciliationRun
from payments.reconciliation.runs import reconciliation_run_now
from payments.reconciliation.sources import SettlementFileSource
from tests.factories import PASSWORD, make_staff
from tests.helpers import admin_login, outbox_tasks
from tests.payments.reconciliation.conftest import paid, period, row

pytestmark = pytest.mark.django_db
QUEUE = "/admin/payments/reconciliationexception/"


@pytest.fixture
def reconciled(settlement_file):
    """A run with one matched charge, one missing in the ledger (with a candidate), one missing at the gateway."""
    paid(2500, charge="ch_ok")
    paid(1200, intent="pi_elsewhere", charge="ch_elsewhere")
    start, end = period()
    return reconciliation_run_now(
        gateway="stripe",
        period_start=start,
        period_end=end,
        source=SettlementFileSource(
            settlement_file([row("ch_ok", "charge", "25.00"), row("ch_z", "charge", "12.00")]), "stripe"
        ),
    )


def _login(client, role: str):
    user, device = make_staff(f"user-{role.lower().replace(' ', '-')}", role)
    assert admin_login(client, user, device, password=PASSWORD).status_code == 302
    return user


def _exception(run, reference: str) -> ReconciliationItem:
    return ReconciliationItem.objects.get(run=run, reference=reference)


@pytest.mark.parametrize("model", ["reconciliationrun", "reconciliationitem", "reconciliationexception"])
def test_payments_operations_lists_searches_and_opens_every_reconciliation_model(client, reconciled, model):
    _login(client, roles.PAYMENTS_OPERATIONS)
    assert client.get(f"/admin/payments/{model}/").status_code == 200
    assert client.get(f"/admin/payments/{model}/", {"q": "ch_"}).status_code == 200
    assert client.get(f"/admin/payments/{model}/add/").status_code == 403
    obj = reconciled if model == "reconciliationrun" else _exception(reconciled, "ch_z")
    assert client.get(f"/admin/payments/{model}/{obj.pk}/change/").status_code == 200


def test_the_queue_shows_only_exceptions_with_their_candidates(client, reconciled):
    _login(client, roles.PAYMENTS_OPERATIONS)
    page = client.get(QUEUE, {"state": "open"})
    assert set(page.context["cl"].queryset.values_list("classification", flat=True)) == {
        "missing_in_ledger",
        "missing_at_gateway",
    }
    detail = client.get(f"{QUEUE}{_exception(reconciled, 'ch_z').pk}/change/")
    # the 12.00 EUR payment no gateway record claimed is the candidate of the 12.00 EUR charge
    assert b"reference: pi_elsewhere" in detail.content and b"amount: 1200" in detail.content
    assert b"Post adjusting entry" in detail.content


def test_start_reconciliation_queues_the_run_through_the_service(client):
    operator = _login(client, roles.PAYMENTS_OPERATIONS)
    assert b"Start reconciliation" in client.get("/admin/payments/reconciliationrun/").content
    response = client.post(
        "/admin/payments/reconciliationrun/start/", {"gateway": "stripe", "date": "2026-11-20", "days": "1"}
    )
    run = ReconciliationRun.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"/{run.pk}/change/")
    assert (run.gateway, str(run.period_start), str(run.period_end), run.status) == (
        "stripe",
        "2026-11-20",
        "2026-11-21",
        "queued",
    )
    assert outbox_tasks() == [("payments.reconcile", [run.pk])]  # the Celery task, with the commit
    assert AuditEvent.objects.get(action="payments.reconciliation_run.requested").actor_id == operator.pk
    # while it runs, its page refreshes itself
    assert b'http-equiv="refresh"' in client.get(f"/admin/payments/reconciliationrun/{run.pk}/change/").content


def test_resolving_with_an_adjusting_entry_posts_a_balanced_audited_entry(client, reconciled):
    operator = _login(client, roles.PAYMENTS_OPERATIONS)
    item = _exception(reconciled, "ch_z")
    # when
    response = client.post(
        f"{QUEUE}{item.pk}/adjust/",
        {
            "debit_account": "gateway_clearing",
            "credit_account": "customer_balances",
            "amount": "12.00",
            "currency": "EUR",
            "note": "charge booked late by the gateway",
        },
    )
    # then
    assert response.status_code == 302
    item.refresh_from_db()
    entry = item.adjusting_entry
    assert (item.resolution, item.resolved_by_id) == ("adjusted", operator.pk)
    assert entry.postings.aggregate(total=Sum("amount"))["total"] == 0
    assert sorted(entry.postings.values_list("account__code", "amount")) == [
        ("customer_balances", -1200),
        ("gateway_clearing", 1200),
    ]
    assert (
        AuditEvent.objects.get(action="payments.journal_entry.posted", target_id=str(entry.pk)).actor_id == operator.pk
    )
    audit = AuditEvent.objects.get(action="payments.reconciliation_exception.adjusted")
    assert (audit.actor_id, audit.after["journal_entry"], audit.after["amount"]) == (operator.pk, entry.pk, 1200)
    # a second resolution of the same exception is refused, and the resolved one stays visible
    client.post(f"{QUEUE}{item.pk}/explain/", {"note": "again"})
    assert ReconciliationItem.objects.get(pk=item.pk).resolution == "adjusted"
    assert JournalEntry.objects.filter(pk=entry.pk).count() == 1
    resolved = client.get(QUEUE, {"state": "resolved"})
    assert list(resolved.context["cl"].queryset.values_list("pk", flat=True)) == [item.pk]


def test_an_unbalanced_or_bad_adjustment_is_refused_and_writes_nothing(client, reconciled):
    _login(client, roles.PAYMENTS_OPERATIONS)
    item = _exception(reconciled, "ch_z")
    entries = JournalEntry.objects.count()
    for form in (
        {"debit_account": "fees", "credit_account": "fees", "amount": "1.00"},
        {"debit_account": "fees", "credit_account": "gateway_clearing", "amount": "1.001"},
        {"debit_account": "fees", "credit_account": "gateway_clearing", "amount": "-1.00"},
    ):
        client.post(f"{QUEUE}{item.pk}/adjust/", {**form, "currency": "EUR", "note": "x"})
    assert JournalEntry.objects.count() == entries
    assert ReconciliationItem.objects.get(pk=item.pk).resolution == ""


def test_resolving_with_an_explanation_is_audited(client, reconciled):
    operator = _login(client, roles.PAYMENTS_OPERATIONS)
    item = _exception(reconciled, "ch_z")
    client.post(f"{QUEUE}{item.pk}/explain/", {"note": "gateway test charge, refunded next day"})
    item.refresh_from_db()
    assert (item.resolution, item.resolution_note) == ("explained", "gateway test charge, refunded next day")
    audit = AuditEvent.objects.get(action="payments.reconciliation_exception.explained")
    assert (audit.actor_id, audit.target_id) == (operator.pk, str(item.pk))


def test_auditors_read_the_queue_but_cannot_resolve_or_start(client, reconciled):
    _login(client, roles.AUDITOR)
    item = _exception(reconciled, "ch_z")
    assert client.get(QUEUE).status_code == 200
    detail = client.get(f"{QUEUE}{item.pk}/change/")
    assert detail.status_code == 200 and b"Post adjusting entry" not in detail.content
    assert client.get("/admin/payments/reconciliationrun/").status_code == 200
    assert b"Start reconciliation" not in client.get("/admin/payments/reconciliationrun/").content
    assert client.post(f"{QUEUE}{item.pk}/explain/", {"note": "x"}).status_code == 403
    adjustment = {
        "debit_account": "fees",
        "credit_account": "gateway_clearing",
        "amount": "1.00",
        "currency": "EUR",
        "note": "x",
    }
    assert client.post(f"{QUEUE}{item.pk}/adjust/", adjustment).status_code == 403
    assert (
        client.post(
            "/admin/payments/reconciliationrun/start/", {"gateway": "stripe", "date": "2026-11-20", "days": "1"}
        ).status_code
        == 403
    )
    assert ReconciliationItem.objects.get(pk=item.pk).resolution == ""


@pytest.mark.parametrize("role", [roles.ANALYST, roles.COMPLIANCE_OFFICER])
def test_analysts_and_officers_have_no_access(client, reconciled, role):
    _login(client, role)
    for model in ("reconciliationrun", "reconciliationitem", "reconciliationexception"):
        assert client.get(f"/admin/payments/{model}/").status_code == 403
    item = _exception(reconciled, "ch_z")
    assert client.post(f"{QUEUE}{item.pk}/explain/", {"note": "x"}).status_code == 403
    assert (
        client.post(
            "/admin/payments/reconciliationrun/start/", {"gateway": "stripe", "date": "2026-11-20", "days": "1"}
        ).status_code
        == 403
    )
