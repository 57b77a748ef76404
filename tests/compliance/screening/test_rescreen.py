"""A new snapshot re-screens every customer and raises new hits only."""

import pytest

from compliance.screening.models import ScreeningHit
from compliance.screening.services import customer_screen
from compliance.tasks import rescreen_customers_task
from fintech.models import AuditEvent
from tests.compliance.conftest import import_subset
from tests.compliance.edits import add_entry, copy_subset
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_rescreen_after_a_list_change_raises_only_new_hits(sdn_subset, tmp_path):
    # given a listed customer already hit, and two clear customers
    listed = CustomerFactory(legal_name="Joaquin Guzman Loera")
    newly_listed = CustomerFactory(legal_name="Ivan Sergeyevich Drozdov")
    clear = CustomerFactory(legal_name="Emily Johnson")
    for customer in (listed, newly_listed, clear):
        customer_screen(customer=customer)
    assert list(ScreeningHit.objects.values_list("party_id", flat=True)) == [str(listed.pk)]
    # when a new release adds an entry matching the second customer
    directory = copy_subset(tmp_path)
    add_entry(directory, "99001", "DROZDOV, Ivan Sergeyevich", aliases=("DROZDOV, Ivan",))
    snapshot = import_subset(directory)
    assert snapshot.diff["added"] == ["99001"]
    summary = rescreen_customers_task.run(snapshot.pk)
    # then
    assert summary == {"screened": 3, "new_hits": 1, "customers_with_new_hits": 1}
    new_hit = ScreeningHit.objects.get(entry_uid="99001")
    assert new_hit.party_id == str(newly_listed.pk) and new_hit.snapshot_id == snapshot.pk
    assert ScreeningHit.objects.filter(party_id=str(listed.pk)).count() == 1
    assert not ScreeningHit.objects.filter(party_id=str(clear.pk)).exists()
    event = AuditEvent.objects.get(action="compliance.customers.rescreened")
    assert event.after["new_hits"] == 1 and event.target_id == str(snapshot.pk)
    # and running the job again raises nothing
    assert rescreen_customers_task.run(snapshot.pk)["new_hits"] == 0
