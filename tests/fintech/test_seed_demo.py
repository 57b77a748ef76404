import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from compliance.lists.models import ListSnapshot
from fintech import roles
from fintech.models import ApiClient, Customer
from fintech.services.audit import audit_chain_verify
from tests.payments.conftest import eager_tasks  # noqa: F401  (shared fixture: the relay's tasks run here)

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("eager_tasks")
def test_seed_demo_is_idempotent_and_prints_credentials():
    first = io.StringIO()
    call_command("seed_demo", stdout=first)
    counts = (get_user_model().objects.count(), Customer.objects.count(), ApiClient.objects.count())
    second = io.StringIO()
    call_command("seed_demo", stdout=second)
    assert (get_user_model().objects.count(), Customer.objects.count(), ApiClient.objects.count()) == counts
    assert first.getvalue() == second.getvalue()
    output = second.getvalue()
    for role in roles.ROLES:
        assert role in output
    assert "TOTP secret" in output and "Authorization: Token fk_demo_" in output
    staff = get_user_model().objects.filter(is_staff=True)
    assert {g for u in staff for g in u.groups.values_list("name", flat=True)} == set(roles.ROLES)
    assert audit_chain_verify().ok
    # the OFAC list kept in the repository, imported once
    snapshot = ListSnapshot.objects.get()
    assert (snapshot.sanctions_list.code, snapshot.version, snapshot.entry_count) == ("ofac_sdn", 1, 8976)
    assert "OFAC Specially Designated Nationals v1, 8976 entries" in output
