"""Analysts' decisions on hits: through the services and through the admin."""

import pytest
from django.contrib.auth.models import Permission

from compliance.screening.models import ScreeningHit
from compliance.screening.review import screening_hit_confirm, screening_hit_dismiss
from compliance.screening.services import customer_screen, party_is_blocked
from compliance.screening.signals import screening_hit_confirmed
from fintech.errors import ConflictError, DomainError
from fintech.models import AuditEvent, Customer
from fintech.roles import ANALYST, AUDITOR
from tests.factories import PASSWORD, CustomerFactory, UserFactory, make_staff
from tests.helpers import admin_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending_hit(sdn_subset):
    customer = CustomerFactory(legal_name="Joaquin Guzman Loera")
    customer_screen(customer=customer)
    return ScreeningHit.objects.get()


def test_confirming_freezes_the_customer_and_calls_the_case_hook(pending_hit):
    analyst = UserFactory(is_staff=True)
    received = []

    def on_confirmed(sender, hit, actor, **kwargs):
        received.append((hit.pk, actor.pk))

    screening_hit_confirmed.connect(on_confirmed)
    try:
        hit = screening_hit_confirm(hit=pending_hit, actor=analyst, reason="Same DOB and passport.")
    finally:
        screening_hit_confirmed.disconnect(on_confirmed)
    assert (hit.status, hit.reviewed_by) == (ScreeningHit.Status.CONFIRMED, analyst)
    assert hit.reason == "Same DOB and passport."
    customer = Customer.objects.get(pk=hit.party_id)
    assert customer.status == Customer.Status.FROZEN
    assert party_is_blocked(customer)
    assert received == [(hit.pk, analyst.pk)]
    confirmed = AuditEvent.objects.get(action="compliance.screening_hit.confirmed")
    assert confirmed.actor == analyst and confirmed.after["status"] == "confirmed"
    frozen = AuditEvent.objects.get(action="fintech.customer.updated", target_id=str(customer.pk))
    assert frozen.after["status"] == "frozen" and frozen.before["status"] == "active"


def test_a_false_positive_unblocks_and_is_audited(pending_hit):
    analyst = UserFactory(is_staff=True)
    hit = screening_hit_dismiss(hit=pending_hit, actor=analyst, reason="Different person.")
    assert hit.status == ScreeningHit.Status.FALSE_POSITIVE
    assert not party_is_blocked(Customer.objects.get(pk=hit.party_id))
    assert Customer.objects.get(pk=hit.party_id).status == Customer.Status.ACTIVE
    event = AuditEvent.objects.get(action="compliance.screening_hit.dismissed")
    assert event.after["reason"] == "Different person."


def test_a_decision_needs_a_reason_and_a_pending_hit(pending_hit):
    analyst = UserFactory(is_staff=True)
    with pytest.raises(DomainError):
        screening_hit_dismiss(hit=pending_hit, actor=analyst, reason="  ")
    screening_hit_dismiss(hit=pending_hit, actor=analyst, reason="Different person.")
    with pytest.raises(ConflictError):
        screening_hit_confirm(hit=pending_hit, actor=analyst, reason="Changed my mind.")
    assert not AuditEvent.objects.filter(action="compliance.screening_hit.confirmed").exists()


def test_the_admin_action_asks_for_a_reason_then_confirms(client, pending_hit):
    user, device = make_staff("analyst@example.com", role=ANALYST)
    assert admin_login(client, user, device, password=PASSWORD).status_code == 302
    url = "/admin/compliance/screeninghit/"
    assert client.get(url).status_code == 200
    form = {"action": "confirm_true_match", "_selected_action": [pending_hit.pk]}
    # when: the intermediate page
    page = client.post(url, form)
    assert page.status_code == 200 and b"reason" in page.content
    assert ScreeningHit.objects.get().status == ScreeningHit.Status.PENDING
    # when: applied with a reason
    done = client.post(url, {**form, "apply": "1", "reason": "Same date of birth."})
    # then
    assert done.status_code == 302
    hit = ScreeningHit.objects.get()
    assert (hit.status, hit.reviewed_by, hit.reason) == (ScreeningHit.Status.CONFIRMED, user, "Same date of birth.")
    assert AuditEvent.objects.filter(action="compliance.screening_hit.confirmed", actor=user).exists()
    assert Customer.objects.get(pk=hit.party_id).status == Customer.Status.FROZEN


def test_the_admin_false_positive_action(client, pending_hit):
    user, device = make_staff("analyst@example.com", role=ANALYST)
    admin_login(client, user, device, password=PASSWORD)
    client.post(
        "/admin/compliance/screeninghit/",
        {
            "action": "mark_false_positive",
            "_selected_action": [pending_hit.pk],
            "apply": "1",
            "reason": "Other man.",
        },
    )
    assert ScreeningHit.objects.get().status == ScreeningHit.Status.FALSE_POSITIVE
    assert AuditEvent.objects.filter(action="compliance.screening_hit.dismissed", actor=user).exists()


def test_roles_hold_the_review_permission_and_auditors_only_read(db):
    analyst, _ = make_staff("a@example.com", role=ANALYST)
    auditor, _ = make_staff("b@example.com", role=AUDITOR)
    assert analyst.has_perm("compliance.review_screeninghit")
    assert analyst.has_perm("compliance.view_sanctionsentry")
    assert auditor.has_perm("compliance.view_screeninghit")
    assert not auditor.has_perm("compliance.review_screeninghit")
    assert Permission.objects.filter(codename="review_screeninghit").exists()


def test_an_auditor_cannot_use_the_review_actions(client, pending_hit):
    user, device = make_staff("auditor@example.com", role=AUDITOR)
    admin_login(client, user, device, password=PASSWORD)
    client.post(
        "/admin/compliance/screeninghit/",
        {
            "action": "confirm_true_match",
            "_selected_action": [pending_hit.pk],
            "apply": "1",
            "reason": "x",
        },
    )
    assert ScreeningHit.objects.get().status == ScreeningHit.Status.PENDING
