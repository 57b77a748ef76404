"""Issue #17 item 18: staff could look at a customer's compliance data without a trace. The case
page and SAR exports wrote `compliance.case.viewed`; the alert page (customer, evidence, window),
the customer page, the screening-hit page, the compliance search, the alert and case lists and
`GET /api/v1/alerts/` wrote nothing. Each is now an audit event naming who saw which rows."""

from __future__ import annotations

import pytest

from compliance.cases.models import Case
from compliance.monitoring.models import Alert
from compliance.screening.models import ScreeningHit
from compliance.screening.services import customer_screen
from fintech import roles
from fintech.models import AuditEvent
from tests.compliance.conftest import import_subset
from tests.compliance.workplace.conftest import make_alert, make_case
from tests.factories import PASSWORD, CustomerFactory, make_staff
from tests.helpers import admin_login, api_client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(db) -> dict:
    """A customer with a case, two alerts and a pending sanctions hit; another customer's alert."""
    import_subset()
    customer = CustomerFactory(legal_name="Joaquin Guzman Loera", external_id="cus_4f2a9c")
    customer_screen(customer=customer)
    case = make_case(customer)
    alerts = [make_alert(customer, case=case, rule="structuring"), make_alert(customer, case=case)]
    other = make_alert(CustomerFactory(legal_name="Ada Byron", external_id="cus_other"))
    return {"customer": customer, "case": case, "alerts": alerts, "other": other, "hit": ScreeningHit.objects.get()}


@pytest.fixture
def officer(client, db):
    user, device = make_staff("officer", roles.COMPLIANCE_OFFICER)
    assert admin_login(client, user, device, password=PASSWORD).status_code == 302
    client.user = user
    return client


def _read_events(actor) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(actor=actor, action__regex=r"\.(viewed|listed)$").order_by("seq"))


# (what the pen-tester opened, its URL, the event it must leave, the model label, the ids it must name)
PAGES = [
    (
        "alert page",
        lambda b: f"/admin/compliance/alert/{b['alerts'][0].pk}/change/",
        "compliance.alert.viewed",
        "compliance.Alert",
        lambda b: [b["alerts"][0].pk],
    ),
    (
        "customer page",
        lambda b: f"/admin/fintech/customer/{b['customer'].pk}/change/",
        "fintech.customer.viewed",
        "fintech.Customer",
        lambda b: [b["customer"].pk],
    ),
    (
        "customer history",
        lambda b: f"/admin/fintech/customer/{b['customer'].pk}/history/",
        "fintech.customer.viewed",
        "fintech.Customer",
        lambda b: [b["customer"].pk],
    ),
    (
        "screening hit page",
        lambda b: f"/admin/compliance/screeninghit/{b['hit'].pk}/change/",
        "compliance.screeninghit.viewed",
        "compliance.ScreeningHit",
        lambda b: [b["hit"].pk],
    ),
    (
        "alert search",
        lambda b: "/admin/compliance/alert/?q=cus_4f2a9c",
        "compliance.alert.listed",
        "compliance.Alert",
        lambda b: sorted(a.pk for a in b["alerts"]),
    ),
    (
        "alert list",
        lambda b: "/admin/compliance/alert/",
        "compliance.alert.listed",
        "compliance.Alert",
        lambda b: sorted([*(a.pk for a in b["alerts"]), b["other"].pk]),
    ),
    (
        "case list",
        lambda b: "/admin/compliance/case/",
        "compliance.case.listed",
        "compliance.Case",
        lambda b: [b["case"].pk],
    ),
    (
        "customer list",
        lambda b: "/admin/fintech/customer/",
        "fintech.customer.listed",
        "fintech.Customer",
        lambda b: sorted([b["customer"].pk, b["other"].customer_id]),
    ),
    (
        "compliance search",
        lambda b: "/admin/compliance/alert/search/?q=Guzman",
        "compliance.search.listed",
        "fintech.Customer",
        lambda b: [b["customer"].pk],
    ),
]


@pytest.mark.parametrize(("page", "url", "action", "label", "ids"), PAGES, ids=[p[0] for p in PAGES])
def test_every_admin_look_at_compliance_data_is_audited(book, officer, page, url, action, label, ids):
    response = officer.get(url(book))

    assert response.status_code == 200
    events = _read_events(officer.user)
    assert [e.action for e in events] == [action], page
    event = events[0]
    assert event.after["via"] == "admin"
    assert sorted(int(pk) for pk in event.after["ids"][label]) == ids(book)
    assert event.ip and event.request_id  # the request it came from


def test_reading_alerts_through_the_api_is_audited_per_page(book):
    analyst, _ = make_staff("analyst", roles.ANALYST)
    api = api_client_for(analyst)

    response = api.get("/api/v1/alerts/?customer=cus_4f2a9c")

    assert response.status_code == 200
    shown = sorted(row["id"] for row in response.json()["results"])
    assert shown == sorted(a.pk for a in book["alerts"])
    event = AuditEvent.objects.get(action="compliance.alert.listed")
    assert event.actor == analyst
    assert event.after["via"] == "api" and event.after["query"] == {"customer": "cus_4f2a9c"}
    assert sorted(int(pk) for pk in event.after["ids"]["compliance.Alert"]) == shown
    assert Alert.objects.count() == 3 and Case.objects.count() == 1


def test_a_refused_look_writes_no_read_event(book, client):
    payops, device = make_staff("payops", roles.PAYMENTS_OPERATIONS)
    assert admin_login(client, payops, device, password=PASSWORD).status_code == 302
    assert client.get(f"/admin/compliance/alert/{book['alerts'][0].pk}/change/").status_code == 403
    assert client.get("/api/v1/alerts/").status_code == 403
    assert not AuditEvent.objects.filter(actor=payops, action__startswith="compliance.").exists()
