"""`screen_party`, the one door: decisions, recorded hits, suppression, blocking, sign-up screening."""

import datetime

import pytest

from compliance.screening.models import ScreeningHit
from compliance.screening.review import screening_hit_dismiss
from compliance.screening.services import customer_screen, party_is_blocked, screen_party
from fintech.models import AuditEvent, Customer
from fintech.services.customers import customer_sign_up, customer_update
from tests.compliance.conftest import import_subset
from tests.compliance.edits import copy_subset, edit_entry
from tests.factories import PASSWORD, CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_without_a_party_nothing_is_recorded(sdn_subset):
    result = screen_party(name="Chapo Guzman")
    assert result.decision == "hit"
    assert result.matches[0].entry_uid == "6861"
    assert result.matches[0].list_code == "ofac_sdn"
    assert screen_party(name="John Smith").decision == "clear"
    assert not ScreeningHit.objects.exists()


def test_no_list_imported_means_clear(db):
    assert screen_party(name="Chapo Guzman").decision == "clear"


def test_a_party_hit_is_recorded_once_pending_review_and_audited(sdn_subset):
    customer = CustomerFactory(legal_name="Joaquin Guzman Loera")
    # when
    first = customer_screen(customer=customer)
    again = customer_screen(customer=customer)
    # then
    hit = ScreeningHit.objects.get()
    assert first.new_hit_ids == [hit.pk] and again.new_hit_ids == []
    assert (hit.party_type, hit.party_id, hit.entry_uid) == ("fintech.Customer", str(customer.pk), "6861")
    assert hit.status == ScreeningHit.Status.PENDING
    assert hit.score >= first.threshold and hit.score_parts["name_score"] > 0
    assert hit.snapshot_id == sdn_subset.pk
    event = AuditEvent.objects.get(action="compliance.screening_hit.raised")
    assert event.target_id == str(hit.pk)
    assert event.after["entry_uid"] == "6861"
    assert party_is_blocked(customer)


def test_a_clear_party_is_not_blocked(sdn_subset):
    customer = CustomerFactory(legal_name="Maria Garcia")
    assert customer_screen(customer=customer).decision == "clear"
    assert not party_is_blocked(customer)
    assert not AuditEvent.objects.filter(action="compliance.screening_hit.raised").exists()


def test_a_false_positive_is_suppressed_until_the_entry_changes(sdn_subset, tmp_path):
    customer = CustomerFactory(legal_name="Adnan Al-Ali")
    customer_screen(customer=customer)
    analyst = UserFactory(is_staff=True)
    screening_hit_dismiss(hit=ScreeningHit.objects.get(), actor=analyst, reason="Different person: born 1990.")
    assert not party_is_blocked(customer)
    # when the same list is screened again: suppressed
    assert customer_screen(customer=customer).new_hit_ids == []
    # when the list changes what it says about the entry: raised again
    directory = copy_subset(tmp_path)
    edit_entry(directory, "24901", remarks="DOB 17 Jun 1968; nationality Syria; Passport 123456 (Syria).")
    import_subset(directory)
    result = customer_screen(customer=customer)
    # then
    assert len(result.new_hit_ids) == 1
    assert ScreeningHit.objects.filter(status=ScreeningHit.Status.PENDING).count() == 1
    assert party_is_blocked(customer)
    assert AuditEvent.objects.filter(action="compliance.screening_hit.raised").count() == 2


def test_sign_up_and_profile_change_are_screened(sdn_subset):
    # when a listed person signs up
    customer = customer_sign_up(email="x@example.com", password=PASSWORD, legal_name="Naser Maleki", country="IR")
    # then
    assert ScreeningHit.objects.filter(party_id=str(customer.pk), entry_uid="10609").exists()
    assert AuditEvent.objects.filter(action="fintech.customer.signed_up", target_id=str(customer.pk)).exists()
    assert AuditEvent.objects.filter(action="compliance.screening_hit.raised").count() == 1
    # when a clear customer changes their name to a listed one
    other = customer_sign_up(email="y@example.com", password=PASSWORD, legal_name="Emily Johnson", country="GB")
    assert not party_is_blocked(other)
    customer_update(customer=other, actor=other.user, changes={"legal_name": "Kim Jong Un"})
    assert ScreeningHit.objects.filter(party_id=str(other.pk), entry_uid="20157").exists()
    assert AuditEvent.objects.filter(action="fintech.customer.updated", target_id=str(other.pk)).exists()
    assert party_is_blocked(other)


def test_date_of_birth_and_country_can_clear_a_name_match(sdn_subset):
    listed = screen_party(name="Adnan Al-Ali", date_of_birth=datetime.date(1968, 6, 17), country="SY")
    other = screen_party(
        name="Adnan Al-Ali",
        date_of_birth=datetime.date(1991, 3, 4),
        country="NO",
        entity_type=Customer.EntityType.INDIVIDUAL,
    )
    assert listed.decision == "hit"
    assert listed.matches[0].score_parts["date_of_birth_note"] == "exact"
    assert other.decision == "clear"


def test_the_name_index_is_loaded_once_per_snapshot(sdn_subset, tmp_path, django_assert_max_num_queries):
    from compliance.screening.selectors import current_name_index

    index = current_name_index()
    with django_assert_max_num_queries(1):  # only the current snapshot ids
        assert current_name_index() is index
    directory = copy_subset(tmp_path)
    edit_entry(directory, "36", delete=True)
    second = import_subset(directory)
    fresh = current_name_index()
    assert fresh is not index and fresh.snapshot_ids == (second.pk,)
    assert len(fresh) < len(index)


def test_only_a_change_screening_compares_re_screens_the_customer(sdn_subset):
    from fintech.signals import customer_profile_changed

    screened: list[int] = []

    def receiver(sender, customer, created=False, **kwargs):
        screened.append(customer.pk)

    customer = customer_sign_up(email="z@example.com", password=PASSWORD, legal_name="Emily Johnson", country="GB")
    customer_profile_changed.connect(receiver, dispatch_uid="tests.screened")
    try:
        # when: monitoring raises the customer's risk (alerts -> customer_update)
        customer_update(customer=customer, actor=None, changes={"risk_score": 90, "risk_rating": "high"})
        # then: audited, not screened again
        assert screened == []
        assert AuditEvent.objects.filter(action="fintech.customer.updated", target_id=str(customer.pk)).count() == 1
        # when: a field screening compares changes
        customer_update(customer=customer, actor=None, changes={"country": "FR"})
        assert screened == [customer.pk]
    finally:
        customer_profile_changed.disconnect(dispatch_uid="tests.screened")
