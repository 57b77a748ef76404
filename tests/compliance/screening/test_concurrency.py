"""Two workers screening the same party at once raise one hit, not two (PostgreSQL)."""

import pytest

from compliance.screening.models import ScreeningHit
from compliance.screening.services import customer_screen
from fintech.models import AuditEvent
from tests.compliance.conftest import import_subset
from tests.factories import CustomerFactory
from tests.helpers import thread_race

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_screenings_of_one_party_raise_one_hit():
    import_subset()
    customer = CustomerFactory(legal_name="Joaquin Guzman Loera")

    results = thread_race([lambda: customer_screen(customer=customer)] * 2, timeout=30)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert ScreeningHit.objects.filter(party_id=str(customer.pk)).count() == 1
    assert AuditEvent.objects.filter(action="compliance.screening_hit.raised").count() == 1
