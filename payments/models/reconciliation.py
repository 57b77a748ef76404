"""Reconciliation of gateway records against the ledger.

A `ReconciliationRun` is one gateway and one period (unique together): running the
period again reuses the row and replaces its items in one transaction, so a rerun
never duplicates results. `ReconciliationRecord` holds the gateway's records as the
source delivered them (staging for the set-wise match; the latest attempt is kept as
evidence). `ReconciliationItem` is one classified outcome; the items that are not
`matched` form the exceptions queue (`ReconciliationException`, a proxy).

Sign convention for gateway and ledger amounts (minor units): as the movement affects
the money held at the gateway, i.e. a charge is positive, a refund, a dispute
withdrawal and a payout are negative. `net = amount - fee`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ledger.models import JournalEntry
from payments.models.money_movements import Gateway


class ReconciliationGateway(models.TextChoices):
    STRIPE = Gateway.STRIPE.value, Gateway.STRIPE.label
    BRAINTREE = Gateway.BRAINTREE.value, Gateway.BRAINTREE.label
    FILE = "file", "Settlement file"


class ReconciliationRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Phase(models.TextChoices):
        WAITING = "waiting", "Waiting"
        FETCHING = "fetching", "Fetching gateway records"
        MATCHING = "matching", "Matching against the ledger"
        DONE = "done", "Done"

    gateway = models.CharField(max_length=10, choices=ReconciliationGateway.choices)
    period_start = models.DateField(help_text="First day of the period (inclusive, UTC).")
    period_end = models.DateField(help_text="Day after the period (exclusive, UTC).")
    source = models.CharField(max_length=200, blank=True, help_text="api, or the settlement file's name.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    phase = models.CharField(max_length=10, choices=Phase.choices, default=Phase.WAITING)
    attempt = models.PositiveIntegerField(default=0, help_text="How many times the period has been run.")
    records_fetched = models.PositiveBigIntegerField(default=0)
    items_total = models.PositiveBigIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True, help_text="Items per classification.")
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(null=True, blank=True)
    progress_at = models.DateTimeField(null=True, blank=True, help_text="Last progress update while running.")
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "gateway"]
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "period_start", "period_end"], name="payments_reconciliationrun_gateway_period"
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gt=models.F("period_start")),
                name="payments_reconciliationrun_period_not_empty",
            ),
        ]
        permissions = [("start_reconciliationrun", "Can start a reconciliation run")]

    def __str__(self) -> str:
        return f"{self.gateway} {self.period_start}..{self.period_end} ({self.status})"


class ReconciliationRecord(models.Model):
    """One gateway record of one attempt of a run, exactly as the source gave it."""

    # Staging, written a million at a time: no index of its own (the (run, attempt) index
    # serves it) and no database FK check per row; only the run's service writes here.
    run = models.ForeignKey(
        ReconciliationRun, on_delete=models.CASCADE, related_name="records", db_index=False, db_constraint=False
    )
    attempt = models.PositiveIntegerField()
    record_id = models.CharField(max_length=100, help_text="The gateway's id (txn_..., po_...) or file:line.")
    reference = models.CharField(max_length=100, blank=True, help_text="ch_/pi_/re_/dp_/po_...; may be empty.")
    type = models.CharField(max_length=20, help_text="charge, refund, adjustment (dispute) or payout.")
    amount = models.BigIntegerField()
    fee = models.BigIntegerField(default=0)
    net = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    exchange_rate = models.DecimalField(max_digits=24, decimal_places=12, null=True, blank=True)
    settled_at = models.DateTimeField()
    payout_reference = models.CharField(max_length=100, blank=True)
    members_net = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="For a payout: the sum of the nets of the records it settles, if known.",
    )
    line = models.PositiveIntegerField(null=True, blank=True, help_text="Line in the settlement file.")

    class Meta:
        indexes = [models.Index(fields=["run", "attempt"])]

    def __str__(self) -> str:
        return f"{self.type} {self.reference or self.record_id} {self.amount} {self.currency}"


class ReconciliationItem(models.Model):
    class Classification(models.TextChoices):
        MATCHED = "matched", "Matched"
        MISSING_IN_LEDGER = "missing_in_ledger", "Missing in the ledger"
        MISSING_AT_GATEWAY = "missing_at_gateway", "Missing at the gateway"
        OVERPAID = "overpaid", "Overpaid (gateway above ledger)"
        UNDERPAID = "underpaid", "Underpaid (gateway below ledger)"
        CURRENCY_MISMATCH = "currency_mismatch", "Currency mismatch"
        DUPLICATE = "duplicate", "Duplicate"

    class MatchMethod(models.TextChoices):
        REFERENCE = "reference", "By reference"
        AMOUNT_DATE = "amount_date", "By amount, currency and date"
        NONE = "none", "Not matched"

    class Resolution(models.TextChoices):
        OPEN = "", "Open"
        ADJUSTED = "adjusted", "Adjusting entry posted"
        EXPLAINED = "explained", "Explained"

    # A run writes its items set-wise, a million at a time, under its run's row lock: no
    # index of its own ((run, match_key) serves it) and no database FK check per row.
    run = models.ForeignKey(
        ReconciliationRun, on_delete=models.PROTECT, related_name="items", db_index=False, db_constraint=False
    )
    match_key = models.CharField(
        max_length=160,
        help_text="Stable across reruns: the gateway record, or the ledger record if none.",
    )
    classification = models.CharField(max_length=20, choices=Classification.choices)
    match_method = models.CharField(max_length=12, choices=MatchMethod.choices, default=MatchMethod.NONE)
    detail = models.CharField(max_length=300, blank=True)
    # the gateway's side
    record_id = models.CharField(max_length=100, blank=True)
    record_type = models.CharField(max_length=20, blank=True)
    reference = models.CharField(max_length=100, blank=True)
    gateway_amount = models.BigIntegerField(null=True, blank=True)
    gateway_fee = models.BigIntegerField(null=True, blank=True)
    gateway_net = models.BigIntegerField(null=True, blank=True)
    gateway_currency = models.CharField(max_length=3, blank=True)
    exchange_rate = models.DecimalField(max_digits=24, decimal_places=12, null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    payout_reference = models.CharField(max_length=100, blank=True)
    # the ledger's side
    ledger_kind = models.CharField(
        max_length=20,
        blank=True,
        help_text="payment, refund, dispute, dispute_reinstated or payout",
    )
    ledger_object_id = models.BigIntegerField(null=True, blank=True)
    ledger_amount = models.BigIntegerField(null=True, blank=True)
    ledger_fee = models.BigIntegerField(null=True, blank=True, help_text="Fees booked for this reference, if any.")
    ledger_currency = models.CharField(max_length=3, blank=True)
    ledger_at = models.DateTimeField(null=True, blank=True)
    difference = models.BigIntegerField(null=True, blank=True, help_text="Gateway minus ledger, minor units.")
    candidates = models.JSONField(default=list, blank=True, help_text="Possible counterparts of an exception.")
    # the resolution of an exception (carried over to the same match_key when the period is rerun)
    resolution = models.CharField(max_length=10, choices=Resolution.choices, blank=True, default=Resolution.OPEN)
    resolution_note = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    adjusting_entry = models.ForeignKey(
        JournalEntry,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["run", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["run", "match_key"], name="payments_reconciliationitem_run_key"),
        ]
        # Only exceptions are indexed for the queue: matched items, the bulk, cost no index writes.
        indexes = [
            models.Index(
                fields=["classification", "resolution"],
                condition=~models.Q(classification="matched"),
                name="payments_recon_exceptions",
            )
        ]

    def __str__(self) -> str:
        return f"{self.classification} {self.reference or self.match_key}"


class ExceptionManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().exclude(classification=ReconciliationItem.Classification.MATCHED)


class ReconciliationException(ReconciliationItem):
    """The exceptions queue: every item that is not matched, open or resolved."""

    objects = ExceptionManager()

    class Meta:
        proxy = True
        verbose_name = "reconciliation exception"
        permissions = [("resolve_reconciliationexception", "Can resolve a reconciliation exception")]
