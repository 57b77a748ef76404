"""Case fixtures: one staff member per role, and customers with alerts raised by the real monitoring."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from compliance.cases.models import Case
from fintech import roles
from tests.compliance.monitoring.helpers import T0, days, event, hours, run
from tests.factories import PASSWORD, CustomerFactory, make_staff
from tests.helpers import admin_login


@dataclass
class Staff:
    analyst: object
    officer_a: object
    officer_b: object
    auditor: object
    payops: object
    devices: dict


@pytest.fixture
def staff(db) -> Staff:
    made = {
        name: make_staff(name, role)
        for name, role in [
            ("analyst", roles.ANALYST),
            ("officer_a", roles.COMPLIANCE_OFFICER),
            ("officer_b", roles.COMPLIANCE_OFFICER),
            ("auditor", roles.AUDITOR),
            ("payops", roles.PAYMENTS_OPERATIONS),
        ]
    }
    return Staff(
        **{name: user for name, (user, _) in made.items()}, devices={name: device for name, (_, device) in made.items()}
    )


def suspicious_events(customer, *, start=T0) -> list[dict]:
    """Structuring just under the USD 10,000 threshold (GBP 7,900 at the reference rate) three times in a
    day, then a large transfer to Iran."""
    return [
        event(customer, start, 750_000, "in", account="cash-desk"),
        event(customer, start + hours(2), 760_000, "in", account="cash-desk"),
        event(customer, start + hours(4), 740_000, "in", account="cash-desk"),
        event(customer, start + days(1), 2_500_000, "out", account="IR-ACME-TRADING", country="IR"),
    ]


@pytest.fixture
def alerted_case(db) -> Case:
    """A customer whose history (batch scan) raised several alerts: their one open case."""
    customer = CustomerFactory(legal_name="Walter Hartwell", country="US")
    run(suspicious_events(customer), "batch")
    return Case.objects.get(customer=customer)


@pytest.fixture
def login(client):
    def as_(staff: Staff, name: str):
        user = getattr(staff, name)
        response = admin_login(client, user, staff.devices[name], password=PASSWORD)
        assert response.status_code == 302, response.content[:500]
        return client

    return as_
