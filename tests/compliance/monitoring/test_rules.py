"""Each typology fires on a crafted history and stays quiet on a matched benign one, in both modes."""

from __future__ import annotations

import pytest

from compliance.monitoring.models import Alert, Rule
from fintech.models import AuditEvent, Customer
from tests.compliance.monitoring.helpers import T0, days, event, hours, run
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
MODES = ["stream", "batch"]


def _history(code: str, suspicious: bool, customer) -> list[dict]:
    c = customer
    if code == "large_transaction":
        return [event(c, T0, 1_500_000 if suspicious else 900_001)]
    if code == "structuring":  # just under the US reporting threshold of USD 10,000
        amount = 951_234 if suspicious else 512_345
        return [event(c, T0 + hours(10 * i), amount, currency="USD") for i in range(3)]
    if code == "velocity":
        gap = 5 if suspicious else 70  # minutes
        return [event(c, T0 + i * hours(gap / 60), 1_234) for i in range(10)]
    if code == "rapid_movement":
        return [event(c, T0, 612_345), event(c, T0 + hours(20), 590_001 if suspicious else 100_001, "out")]
    if code in ("fan_in", "fan_out"):
        direction = "in" if code == "fan_in" else "out"
        accounts = [f"cp-{i}" for i in range(10)] if suspicious else ["cp-a", "cp-b"] * 5
        known = [event(c, T0 - days(40), 12_345, direction, account="cp-known")]  # the history judged against
        return known + [event(c, T0 + hours(12 * i), 12_345, direction, account=a) for i, a in enumerate(accounts)]
    if code == "split_transfers":  # two like pieces to one payee in a day; or two different sums
        amounts = [20_000, 19_000] if suspicious else [20_000, 5_000]
        return [event(c, T0 + hours(i), amount, "out", account="cp-payee") for i, amount in enumerate(amounts)]
    if code == "round_amounts":
        amount = 200_000 if suspicious else 212_345
        return [event(c, T0 + days(i), amount) for i in range(3)]
    if code == "high_risk_country":
        return [event(c, T0, 12_345, "out", country="IR" if suspicious else "DE")]
    if code == "dormant_reactivation":
        return [event(c, T0, 12_345), event(c, T0 + days(200 if suspicious else 30), 300_001, "out")]
    if code == "new_account_high_value":
        Customer.objects.filter(pk=c.pk).update(created_at=T0 - days(5 if suspicious else 100))
        return [event(c, T0, 612_345)]
    raise AssertionError(code)


CODES = [
    "large_transaction",
    "structuring",
    "velocity",
    "rapid_movement",
    "fan_in",
    "fan_out",
    "split_transfers",
    "round_amounts",
    "high_risk_country",
    "dormant_reactivation",
    "new_account_high_value",
]


NETWORK_CODES = {"cycle", "scatter_gather", "pass_through", "shared_counterparty"}


def test_the_library_is_installed_by_migration():
    assert set(Rule.objects.filter(is_current=True).values_list("code", flat=True)) == {*CODES, *NETWORK_CODES}
    switched_off = set(Rule.objects.filter(is_current=True, enabled=False).values_list("code", flat=True))
    assert switched_off == {"pass_through", "shared_counterparty"}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("code", CODES)
def test_typology_fires_on_crafted_history(code, mode):
    # given
    customer = CustomerFactory()
    history = _history(code, True, customer)
    # when
    alerts = run(history, mode)
    # then
    assert [a.rule_code for a in alerts] == [code]
    alert = alerts[0]
    current = Rule.objects.get(code=code, is_current=True).version
    assert alert.customer_id == customer.pk and alert.rule_version == current and alert.transaction_ids
    customer.refresh_from_db()
    assert customer.risk_score == round(alert.score)
    assert AuditEvent.objects.filter(action="compliance.alerts.raised").exists()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("code", CODES)
def test_typology_quiet_on_benign_history(code, mode):
    customer = CustomerFactory()
    assert run(_history(code, False, customer), mode) == []


def test_risk_rating_rises_with_an_audited_customer_update():
    customer = CustomerFactory()
    run([event(customer, T0, 12_345, "out", country="KP")], "stream")
    customer.refresh_from_db()
    assert (customer.risk_rating, customer.risk_score) == ("high", 75)
    assert AuditEvent.objects.filter(action="fintech.customer.updated", target_id=str(customer.pk)).exists()


def test_structuring_evidence_is_the_deposits_of_the_episode():
    # the third deposit fires with three in its window; the fourth continues the pattern: one alert, all four
    customer = CustomerFactory()
    history = [event(customer, T0 + hours(10 * i), 951_234, currency="USD") for i in range(4)]
    history.append(event(customer, T0 + days(20), 951_234, currency="USD"))  # alone in its window: not evidence
    alert = run(history, "batch")[0]
    assert len(alert.transaction_ids) == 4
    assert alert.window_start == T0 and alert.window_end == T0 + hours(30)


def test_a_disabled_rule_raises_nothing():
    Rule.objects.filter(code="large_transaction").update(enabled=False)
    assert run([event(CustomerFactory(), T0, 5_000_000)], "batch") == []
    assert not Alert.objects.exists()
