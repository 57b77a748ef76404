"""The officers' main flow in a real browser: an analyst logs in with TOTP, opens the case queue and
escalates a case; one officer proposes filing a SAR, a second officer approves it and downloads the draft."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compliance.cases.models import Case, CaseDecision
from fintech import roles
from fintech.models import AuditEvent
from tests.compliance.cases.conftest import suspicious_events
from tests.compliance.monitoring.helpers import run
from tests.factories import PASSWORD, CustomerFactory, make_staff
from tests.helpers import current_totp

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(browser, live_server, username: str, device):
    context = browser.new_context(base_url=live_server.url, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.fill("#id_otp_token", current_totp(device))
    page.click("input[type=submit]")
    page.wait_for_selector("text=Compliance and operations")
    return context, page


def _shot(page, name: str, screenshot_dir: Path) -> None:
    screenshot_dir.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screenshot_dir / f"{name}.png"), full_page=True)


def _move(page, form: str, fields: dict[str, str], submit: str) -> None:
    for name, value in fields.items():
        locator = page.locator(f"#{form} [name={name}]")
        if locator.evaluate("e => e.tagName") == "SELECT":
            locator.select_option(value)
        else:
            locator.fill(value)
    page.click(f"#{form} input[type=submit]")
    page.wait_for_load_state()


def test_analyst_escalates_officers_approve_and_the_sar_draft_is_downloaded(browser, live_server):
    from tests.browser.conftest import SCREENSHOTS

    _, analyst_device = make_staff("analyst", roles.ANALYST)
    officer_a, device_a = make_staff("officer", roles.COMPLIANCE_OFFICER)
    officer_b, device_b = make_staff("officer2", roles.COMPLIANCE_OFFICER)
    customer = CustomerFactory(legal_name="Walter Hartwell", country="US")
    run(suspicious_events(customer), "batch")
    case = Case.objects.get(customer=customer)

    # the analyst opens the queue, then the case, reviews and escalates it with a reason
    context, page = _sign_in(browser, live_server, "analyst", analyst_device)
    page.goto("/admin/compliance/case/")
    _shot(page, "case-queue-analyst", SCREENSHOTS)
    page.click(f"text={case.reference}")
    page.wait_for_selector("#case-title")
    assert "Walter Hartwell" in page.inner_text("#customer")
    _move(page, "transition-form", {"to_state": "in_review", "reason": "Picking this up."}, "Move case")
    _move(
        page,
        "transition-form",
        {"to_state": "escalated", "reason": "Three deposits just under 10k, then Iran."},
        "Move case",
    )
    assert page.inner_text("#case-state").strip().lower() == "escalated"
    _shot(page, "case-escalated", SCREENSHOTS)
    context.close()

    # officer A drafts the SAR and proposes to file it
    context, page = _sign_in(browser, live_server, "officer", device_a)
    page.goto(f"/admin/compliance/case/{case.pk}/case/")
    page.click("#sar-generate-form input[type=submit]")
    page.wait_for_selector("#sar-json")
    _move(page, "propose-form", {"kind": "file_sar", "reason": "Structuring and a high-risk transfer."}, "Propose")
    page.wait_for_selector("#pending-decision")
    assert page.locator("#decide-form").count() == 0  # four eyes: not for the proposer
    _shot(page, "case-sar-proposed", SCREENSHOTS)
    context.close()

    # officer B approves and downloads the draft (PDF and JSON)
    context, page = _sign_in(browser, live_server, "officer2", device_b)
    page.goto(f"/admin/compliance/case/{case.pk}/case/")
    _move(page, "decide-form", {"verdict": "approve", "reason": "Agreed: file it."}, "Record decision")
    page.wait_for_selector("#sar-file-form")
    _shot(page, "case-sar-approved", SCREENSHOTS)
    with page.expect_download() as pdf_download:
        page.click("#sar-pdf")
    assert Path(pdf_download.value.path()).read_bytes().startswith(b"%PDF")
    with page.expect_download() as json_download:
        page.click("#sar-json")
    sar = json.loads(Path(json_download.value.path()).read_text())
    assert sar["case"]["reference"] == case.reference
    assert "Structuring" in {c["category"] for c in sar["suspicious_activity"]["categories"]}
    context.close()

    decision = CaseDecision.objects.get(case=case)
    assert (decision.proposed_by, decision.decided_by, decision.status) == (officer_a, officer_b, "approved")
    assert AuditEvent.objects.filter(action="compliance.case.viewed", actor=officer_b, target_id=str(case.pk)).exists()
