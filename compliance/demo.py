"""Demo data for `manage.py seed_demo`: the OFAC SDN list kept in the repository (imported once), and
demo cases: suspicious histories for two demo customers go through the
real monitoring (batch scan), which opens their cases; one is in review and assigned to the analyst,
the other escalated with a SAR draft and a filing proposal waiting for the second officer.
Idempotent: the transactions have fixed source ids, and each step runs only from the state before it."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from compliance.cases.decisions import case_decision_propose
from compliance.cases.models import Case, CaseDecision
from compliance.cases.sar import sar_draft_generate
from compliance.cases.services import case_assign, case_comment_add, case_transition
from compliance.demo_data import OFAC_SDN_DIR, OFAC_SDN_SOURCE
from compliance.lists.importers import ofac
from compliance.lists.models import ListSnapshot
from compliance.lists.services import sanctions_list_import
from compliance.monitoring.services.evaluation import aml_scan_run, transactions_upsert
from fintech.models.customers import customer_email_index
from fintech.selectors import customer_by_email

# customer email -> (hours after the start, amount in minor units, direction, counterparty, its country)
HISTORIES = {
    "dmitri@example.com": [
        # just under the USD 10,000 reporting threshold (about EUR 9,300 at the reference rates)
        (0, 910_000, "in", "Cash deposit Limassol", "CY"),
        (3, 925_000, "in", "Cash deposit Limassol", "CY"),
        (6, 895_000, "in", "Cash deposit Limassol", "CY"),
        (30, 2_700_000, "out", "Tehran Trading Co", "IR"),
    ],
    "farid@example.com": [
        (-24 * 45, 300_000, "in", "Payroll Dubai", "AE"),  # history: fan-in judges customers it knows
        *[(i * 5, 120_000 + i * 1_000, "in", f"Sender {i:02d}", "AE") for i in range(12)],
        (70, 1_500_000, "out", "Damascus Imports LLC", "SY"),
    ],
}


def _events(start: datetime.datetime) -> list[dict]:
    events = []
    for email, rows in HISTORIES.items():
        customer = customer_by_email(email)
        if customer is None:
            continue
        for i, (hours, amount, direction, name, country) in enumerate(rows):
            events.append(
                {
                    "source": "demo",
                    "source_id": f"demo-aml-{email.split('@')[0]}-{i:02d}",
                    "customer_id": customer.pk,
                    "occurred_at": (start + datetime.timedelta(hours=hours)).isoformat(),
                    "direction": direction,
                    "amount": amount,
                    "currency": "EUR",
                    "channel": "wire",
                    "account_id": f"demo-{customer.pk}",
                    "counterparty_name": name,
                    "counterparty_account": name.upper().replace(" ", "-")[:30],
                    "counterparty_country": country,
                }
            )
    return events


def _demo_indexes() -> list[str]:
    return [customer_email_index(email) for email in HISTORIES]


def _open_case(email: str) -> Case | None:
    return Case.objects.filter(customer__email_index=customer_email_index(email)).order_by("-opened_at").first()


def _sanctions_list(out) -> None:
    """The OFAC SDN list kept in the repository, imported once, so screening has a real list to match."""
    snapshot = ListSnapshot.objects.filter(sanctions_list__code="ofac_sdn").order_by("-version").first()
    if snapshot is None:
        entries, checksum = ofac.parse_directory(OFAC_SDN_DIR)
        snapshot = sanctions_list_import(
            list_code="ofac_sdn",
            list_name="OFAC Specially Designated Nationals",
            entries=entries,
            source=OFAC_SDN_SOURCE,
            checksum=checksum,
            rescreen=False,
        )
    out.write(
        f"Sanctions list (admin: Compliance > Sanctions lists): {snapshot.sanctions_list.name} "
        f"v{snapshot.version}, {snapshot.entry_count} entries"
    )


def seed(out) -> None:
    _sanctions_list(out)
    users = get_user_model().objects
    analyst, officer = users.filter(username="analyst").first(), users.filter(username="officer").first()
    start = (timezone.now() - datetime.timedelta(days=10)).replace(hour=9, minute=0, second=0, microsecond=0)
    if not Case.objects.filter(customer__email_index__in=_demo_indexes()).exists():
        transactions_upsert(events=_events(start))
        aml_scan_run(start=start - datetime.timedelta(days=1), end=timezone.now() + datetime.timedelta(days=1))
    dmitri, farid = _open_case("dmitri@example.com"), _open_case("farid@example.com")
    if analyst and dmitri and dmitri.state == Case.State.NEW:
        case_assign([dmitri], assignee=analyst, actor=analyst, reason="demo: taking this one")
        case_transition(dmitri, Case.State.IN_REVIEW, actor=analyst, reason="demo: reviewing the deposits")
        case_comment_add(dmitri, actor=analyst, body="Three cash deposits just under 10,000 EUR, then Iran.")
    if analyst and officer and farid and farid.state == Case.State.NEW:
        case_transition(farid, Case.State.IN_REVIEW, actor=analyst, reason="demo: fan-in from new senders")
        case_transition(farid, Case.State.ESCALATED, actor=analyst, reason="demo: funds forwarded to Syria")
        sar_draft_generate(farid, actor=officer)
        if not farid.decisions.filter(status=CaseDecision.Status.PENDING).exists():
            case_decision_propose(
                farid, kind=CaseDecision.Kind.FILE_SAR, actor=officer, reason="demo: file; needs officer2's approval"
            )
    out.write("Cases (admin: Compliance > Cases):")
    for case in Case.objects.filter(customer__email_index__in=_demo_indexes()).select_related("customer", "assignee"):
        out.write(
            f"  {case.reference} {case.customer.legal_name:<22} {case.get_state_display():<12} "
            f"alerts {case.alerts.count():>2}  assignee {case.assignee or '-'}"
        )
