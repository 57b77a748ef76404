"""Reads of monitoring: the alert list and its evidence as the producers' own ids."""

from __future__ import annotations

from django.db.models import QuerySet

from compliance.monitoring.models import Alert, MonitoredTransaction


def alerts_list(
    *, status: str | None = None, rule_code: str | None = None, customer_external_id: str | None = None
) -> QuerySet[Alert]:
    qs = Alert.objects.select_related("customer").order_by("-pk")
    if status:
        qs = qs.filter(status=status)
    if rule_code:
        qs = qs.filter(rule_code=rule_code)
    if customer_external_id:
        qs = qs.filter(customer__external_id=customer_external_id)
    return qs


def alerts_evidence_source_ids(*, alerts) -> dict[int, list[str]]:
    """Per alert, its evidence as the `source_id`s the producer supplied (an imported file's
    `transaction_id`, a payment's reference), in the order of the alert's evidence: what a bank
    joins back to its core system. Internal row ids never leave the product. One query per 900 rows."""
    wanted = sorted({int(i) for alert in alerts for i in alert.transaction_ids})
    found: dict[int, str] = {}
    for i in range(0, len(wanted), 900):
        found.update(MonitoredTransaction.objects.filter(pk__in=wanted[i : i + 900]).values_list("pk", "source_id"))
    return {alert.pk: [found[int(i)] for i in alert.transaction_ids if int(i) in found] for alert in alerts}
