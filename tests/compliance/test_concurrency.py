"""Two workers screening the same party at once raise one hit, not two (PostgreSQL)."""

import threading

import pytest

from compliance.models import ScreeningHit
from compliance.services.screening import customer_screen
from fintech.models import AuditEvent
from tests.compliance.conftest import import_subset
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_screenings_of_one_party_raise_one_hit():
    import_subset()
    customer = CustomerFactory(legal_name="Joaquin Guzman Loera")
    barrier = threading.Barrier(2)
    errors = []

    def screen():
        from django.db import connection as thread_connection

        try:
            barrier.wait(timeout=10)
            customer_screen(customer=customer)
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=screen) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert ScreeningHit.objects.filter(party_id=str(customer.pk)).count() == 1
    assert AuditEvent.objects.filter(action="compliance.screening_hit.raised").count() == 1
