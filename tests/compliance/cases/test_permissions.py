"""Who may do what on case pages: Analysts triage, Officers decide, Auditors read, Payments Operations nothing."""

from __future__ import annotations

import pytest

from compliance.cases.decisions import case_decision_propose
from compliance.cases.models import Case, CaseComment, CaseDecision
from compliance.cases.sar import sar_draft_generate
from compliance.cases.services import case_transition

pytestmark = pytest.mark.django_db


def _base(case: Case) -> str:
    return f"/admin/compliance/case/{case.pk}/case/"


@pytest.fixture
def escalated(alerted_case, staff) -> Case:
    case_transition(alerted_case, Case.State.IN_REVIEW, actor=staff.analyst, reason="Looking.")
    case = case_transition(alerted_case, Case.State.ESCALATED, actor=staff.analyst, reason="Structuring.")
    sar_draft_generate(case, actor=staff.officer_a)
    return case


def _posts(case: Case, decision_id: int | None = None) -> dict[str, dict]:
    base = _base(case)
    posts = {
        f"{base}transition/": {"to_state": "in_review", "reason": "x"},
        f"{base}assign/": {"assignee": "", "reason": "x"},
        f"{base}comment/": {"body": "hello"},
        f"{base}propose/": {"kind": "close_no_action", "reason": "x"},
        f"{base}sar/generate/": {},
        f"{base}sar/edit/": {
            "amount_total": 1,
            "currency": "GBP",
            "activity_from": "2026-06-01",
            "activity_to": "2026-06-02",
            "narrative": "x",
        },
        f"{base}sar/file/": {"bsa_id": "1", "filed_on": "2026-06-03", "reason": "x"},
    }
    if decision_id:
        posts[f"{base}decisions/{decision_id}/"] = {"verdict": "approve", "reason": "x"}
    return posts


def test_payments_operations_see_no_case_data(escalated, staff, login):
    client = login(staff, "payops")
    base = _base(escalated)
    for url in [base, f"{base}sar.json", f"{base}sar.pdf", f"{base}sar.html", "/admin/compliance/case/"]:
        assert client.get(url).status_code == 403, url
    for url, data in _posts(escalated).items():
        assert client.post(url, data).status_code == 403, url
    index = client.get("/admin/").content.decode()
    assert "/admin/compliance/case/" not in index


def test_auditors_read_everything_and_change_nothing(escalated, staff, login):
    decision = case_decision_propose(escalated, kind=CaseDecision.Kind.FILE_SAR, actor=staff.officer_a, reason="x")
    client = login(staff, "auditor")
    base = _base(escalated)
    page = client.get(base)
    assert page.status_code == 200
    html = page.content.decode()
    for form in (
        "transition-form",
        "assign-form",
        "comment-form",
        "attachment-form",
        "propose-form",
        "decide-form",
        "sar-generate-form",
        "sar-file-form",
    ):
        assert f'id="{form}"' not in html
    assert client.get(f"{base}sar.json").status_code == 200
    assert client.get(f"{base}sar.pdf").status_code == 200
    assert client.get("/admin/compliance/case/").status_code == 200
    for url, data in _posts(escalated, decision.pk).items():
        assert client.post(url, data).status_code == 403, url
    escalated.refresh_from_db()
    decision.refresh_from_db()
    assert escalated.state == Case.State.ESCALATED and decision.status == CaseDecision.Status.PENDING
    assert not CaseComment.objects.exists()


def test_an_analyst_triages_but_cannot_decide(alerted_case, staff, login):
    client = login(staff, "analyst")
    base = _base(alerted_case)
    assert client.post(f"{base}transition/", {"to_state": "in_review", "reason": "Picking up."}).status_code == 302
    assert client.post(f"{base}comment/", {"body": "Customer called."}).status_code == 302
    assert client.post(f"{base}transition/", {"to_state": "escalated", "reason": "Pattern."}).status_code == 302
    alerted_case.refresh_from_db()
    assert alerted_case.state == Case.State.ESCALATED
    assert CaseComment.objects.get().author == staff.analyst
    assert client.post(f"{base}propose/", {"kind": "close_no_action", "reason": "x"}).status_code == 403
    assert client.post(f"{base}sar/generate/").status_code == 403
    decision = case_decision_propose(alerted_case, kind="close_no_action", actor=staff.officer_a, reason="x")
    assert client.post(f"{base}decisions/{decision.pk}/", {"verdict": "approve", "reason": "x"}).status_code == 403
    assert Case.objects.get(pk=alerted_case.pk).state == Case.State.ESCALATED


def test_officers_propose_and_a_second_officer_approves_through_the_page(escalated, staff, login, client):
    login(staff, "officer_a")
    base = _base(escalated)
    assert client.post(f"{base}propose/", {"kind": "file_sar", "reason": "Structuring confirmed."}).status_code == 302
    decision = CaseDecision.objects.get()
    # the proposer's own approval is refused (403)
    assert client.post(f"{base}decisions/{decision.pk}/", {"verdict": "approve", "reason": "me"}).status_code == 403
    client.logout()
    login(staff, "officer_b")
    page = client.get(base).content.decode()
    assert 'id="decide-form"' in page
    approved = client.post(f"{base}decisions/{decision.pk}/", {"verdict": "approve", "reason": "Agreed."})
    assert approved.status_code == 302
    assert 'id="sar-file-form"' in client.get(base).content.decode()
    response = client.post(
        f"{base}sar/file/", {"bsa_id": "31000099887766", "filed_on": "2026-06-20", "reason": "Filed via BSA E-Filing."}
    )
    assert response.status_code == 302
    escalated.refresh_from_db()
    assert escalated.state == Case.State.SAR_FILED
    assert escalated.sar_draft.bsa_id == "31000099887766"


def test_a_transition_without_reason_is_refused_with_a_message(alerted_case, staff, login):
    client = login(staff, "analyst")
    response = client.post(f"{_base(alerted_case)}transition/", {"to_state": "in_review", "reason": ""}, follow=True)
    assert "reason" in response.content.decode().lower()
    assert Case.objects.get(pk=alerted_case.pk).state == Case.State.NEW


def test_exports_download_for_officers(escalated, staff, login):
    client = login(staff, "officer_a")
    base = _base(escalated)
    pdf = client.get(f"{base}sar.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    data = client.get(f"{base}sar.json").json()
    assert data["case"]["reference"] == escalated.reference
    html = client.get(f"{base}sar.html")
    # the Print button's script is a static file, allowed by the page's CSP (no inline handler)
    assert html.status_code == 200 and b"compliance/sar_print.js" in html.content
    assert client.get(f"{base}sar.xml").status_code == 404
