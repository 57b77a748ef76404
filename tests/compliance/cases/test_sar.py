"""SAR drafts: FinCEN parts from the evidence, officer edits, JSON / HTML / PDF exports."""

from __future__ import annotations

import datetime
import json

import pytest

from compliance.cases.decisions import case_decision_propose
from compliance.cases.models import Case, CaseDecision
from compliance.cases.sar import TYPOLOGIES, sar_draft_generate, sar_draft_update
from compliance.cases.sar_export import SCHEMA, sar_as_dict, sar_as_html, sar_as_pdf
from compliance.cases.services import CasePermissionError, CaseTransitionError, case_transition
from compliance.monitoring.models import MonitoredTransaction
from compliance.monitoring.rules import DEFAULT_RULES
from fintech.errors import ConflictError
from fintech.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def escalated(alerted_case, staff) -> Case:
    case_transition(alerted_case, Case.State.IN_REVIEW, actor=staff.analyst, reason="Looking.")
    return case_transition(alerted_case, Case.State.ESCALATED, actor=staff.analyst, reason="Structuring.")


def test_every_typology_maps_to_a_fincen_category():
    assert set(TYPOLOGIES) == {*DEFAULT_RULES, "anomaly"}
    assert {c for c, _, _ in TYPOLOGIES.values()} <= {
        "Structuring",
        "Money laundering",
        "Terrorist financing",
        "Other suspicious activities",
    }
    assert TYPOLOGIES["structuring"][0] == "Structuring"


def test_the_draft_has_the_sar_parts_from_the_evidence(escalated, staff):
    draft = sar_draft_generate(escalated, actor=staff.officer_a)
    evidence = MonitoredTransaction.objects.filter(customer=escalated.customer)
    # subject
    subject = json.loads(draft.subject)
    assert subject["name"] == "Walter Hartwell" and subject["customer_reference"] == escalated.customer.external_id
    # amount and date range: the distinct evidence transactions of the alerts
    assert (draft.amount_total, draft.currency) == (750_000 + 760_000 + 740_000 + 2_500_000, "GBP")
    assert draft.activity_from == min(t.occurred_at for t in evidence).date()
    assert draft.activity_to == max(t.occurred_at for t in evidence).date() == datetime.date(2026, 6, 2)
    # categories from the typologies
    categories = {c["category"]: c for c in draft.categories}
    assert "structuring" in categories["Structuring"]["typologies"]
    assert categories["Structuring"]["subtype"] == "Multiple transactions below CTR threshold"
    assert any(
        "high_risk_country" in c["typologies"]
        for c in draft.categories
        if c["category"] == "Other suspicious activities"
    )
    # narrative: who, what, when, where, why, how, naming the evidence
    for part in ("WHO:", "WHAT:", "WHEN:", "WHERE:", "WHY:", "HOW:"):
        assert part in draft.narrative
    assert "Walter Hartwell" in draft.narrative and escalated.reference in draft.narrative
    assert "IR-ACME-TRADING" in draft.narrative and "25,000.00 GBP" in draft.narrative
    assert "2026-06-01" in draft.narrative and "structuring" in draft.narrative
    assert AuditEvent.objects.filter(action="compliance.sar.drafted", target_id=str(escalated.pk)).exists()


def test_subject_and_narrative_are_encrypted_at_rest(escalated, staff):
    from django.db import connection

    sar_draft_generate(escalated, actor=staff.officer_a)
    with connection.cursor() as cursor:
        cursor.execute("SELECT subject, narrative FROM compliance_sardraft")
        subject, narrative = cursor.fetchone()
    assert subject.startswith("v1:") and narrative.startswith("v1:")
    assert "Walter" not in subject + narrative


def test_only_officers_draft_and_only_from_escalated_cases(alerted_case, staff):
    with pytest.raises(CaseTransitionError):
        sar_draft_generate(alerted_case, actor=staff.officer_a)
    case_transition(alerted_case, Case.State.IN_REVIEW, actor=staff.analyst, reason="x")
    case_transition(alerted_case, Case.State.ESCALATED, actor=staff.analyst, reason="x")
    for who in (staff.analyst, staff.auditor):
        with pytest.raises(CasePermissionError):
            sar_draft_generate(alerted_case, actor=who)


def test_the_officer_edits_the_draft_and_it_locks_once_proposed(escalated, staff):
    draft = sar_draft_generate(escalated, actor=staff.officer_a)
    edited = sar_draft_update(draft, actor=staff.officer_a, changes={"narrative": "Edited narrative."})
    assert edited.narrative == "Edited narrative."
    event = AuditEvent.objects.get(action="compliance.sar.edited")
    assert event.after["fields"] == ["narrative"] and "Edited" not in json.dumps(event.after)
    with pytest.raises(CasePermissionError):
        sar_draft_update(draft, actor=staff.analyst, changes={"narrative": "x"})
    case_decision_propose(escalated, kind=CaseDecision.Kind.FILE_SAR, actor=staff.officer_a, reason="File.")
    with pytest.raises(ConflictError):
        sar_draft_update(draft, actor=staff.officer_b, changes={"narrative": "changed after proposal"})


def test_json_export_shape(escalated, staff):
    data = sar_as_dict(sar_draft_generate(escalated, actor=staff.officer_a))
    assert data["schema"] == SCHEMA
    assert set(data) == {"schema", "case", "filing", "subject", "suspicious_activity", "narrative", "prepared"}
    activity = data["suspicious_activity"]
    assert activity["amount_total"] == {"minor_units": 4_750_000, "currency": "GBP", "display": "47,500.00 GBP"}
    assert activity["date_from"] == "2026-06-01" and activity["date_to"] == "2026-06-02"
    assert {"category", "subtype", "typologies"} == set(activity["categories"][0])
    assert data["filing"] == {"type": "initial", "filed_on": None, "bsa_id": None}
    json.dumps(data)  # serialisable as is


def test_html_is_printable_and_pdf_is_a_pdf(escalated, staff):
    draft = sar_draft_generate(escalated, actor=staff.officer_a)
    html = sar_as_html(draft)
    assert "@media print" in html and "Walter Hartwell" in html and "47,500.00 GBP" in html
    assert "Part V" in html and "Structuring" in html
    pdf = sar_as_pdf(draft)
    assert pdf.startswith(b"%PDF") and len(pdf) > 1000
