"""Transaction monitoring: the monitored transactions, the rule library, alerts, dead letters."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from fintech.fields import BlindIndexField, EncryptedTextField


class MonitoredTransaction(models.Model):
    """One money movement as monitoring sees it, whatever its origin.

    Payments, bank transactions and imported files all become rows here; `(source,
    source_id)` is unique, so a re-delivered event or a re-imported file adds nothing.
    Amounts are integer minor units of `currency`.
    """

    class Direction(models.TextChoices):
        IN = "in", "In"
        OUT = "out", "Out"

    source = models.CharField(max_length=32)
    source_id = models.CharField(max_length=128)
    # No index of its own: the (customer, occurred_at) index below serves customer lookups too.
    customer = models.ForeignKey("fintech.Customer", on_delete=models.PROTECT, related_name="+", db_index=False)
    account_id = models.CharField(max_length=64, blank=True)
    occurred_at = models.DateTimeField()
    direction = models.CharField(max_length=3, choices=Direction.choices)
    amount = models.BigIntegerField(help_text="Minor units.")
    currency = models.CharField(max_length=3)
    channel = models.CharField(max_length=32, blank=True)
    counterparty_name = models.CharField(max_length=200, blank=True)
    # An account number (IBAN, card, wallet) identifies a person: encrypted at rest. The rules group
    # and join counterparties by equality, which the keyed blind index serves without the number.
    counterparty_account = EncryptedTextField(blank=True)
    counterparty_account_index = BlindIndexField(
        source="counterparty_account", purpose="monitoring.counterparty_account", db_index=False
    )
    counterparty_country = models.CharField(max_length=2, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "source_id"], name="monitored_tx_source_unique")]
        indexes = [
            # Covering: the stream's history load (compliance.monitoring.scan) reads a customer's recent rows
            # from the index alone, a few adjacent index pages instead of a heap page per row.
            models.Index(
                fields=["customer", "occurred_at"],
                name="monitoredtx_customer_history",
                include=[
                    "id",
                    "direction",
                    "amount",
                    "currency",
                    "counterparty_account_index",
                    "channel",
                    "counterparty_country",
                ],
            ),
            models.Index(fields=["occurred_at"]),
            # The network typologies follow money account to account (compliance.monitoring.network):
            # the transfers out of an account, and those naming an account as counterparty, by time.
            models.Index(fields=["account_id", "occurred_at"], name="monitoredtx_account_out"),
            models.Index(fields=["counterparty_account_index", "occurred_at"], name="monitoredtx_counterparty_in"),
            # The nightly scan's late arrivals: rows stored in the period whatever their date
            # (compliance.monitoring.services.evaluation.aml_scan_run), without reading the whole table.
            models.Index(fields=["created_at"], name="monitoredtx_arrived"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.source_id}"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Rule(models.Model):
    """One version of a rule of the library. Versions are rows: a change adds a row.

    Exactly one row per code is current (`is_current`); alerts name the version that
    raised them, so an alert can always be explained with the parameters of its day.
    """

    code = models.CharField(max_length=40)
    version = models.PositiveIntegerField(default=1)
    params = models.JSONField(default=dict, blank=True)
    enabled = models.BooleanField(default=True)
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    is_current = models.BooleanField(default=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="rule_code_version_unique"),
            models.UniqueConstraint(fields=["code"], condition=models.Q(is_current=True), name="rule_one_current"),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"


class Alert(models.Model):
    """An alert episode: a rule's pattern for a customer. While open it grows with the pattern
    (evidence united, window widened, score raised: compliance.monitoring.services.alerts); `dedupe_key` =
    rule, customer and episode number, so the same pattern never opens a second alert while one
    is open, whichever mode (batch scan or stream) or how many deliveries found it."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        ESCALATED = "escalated", "Escalated"

    rule_code = models.CharField(max_length=40)
    rule_version = models.PositiveIntegerField()
    customer = models.ForeignKey("fintech.Customer", on_delete=models.PROTECT, related_name="+")
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    transaction_ids = models.JSONField(default=list, help_text="MonitoredTransaction ids: the evidence.")
    score = models.FloatField()
    anomaly_score = models.FloatField(null=True, blank=True)
    top_features = models.JSONField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    # Copied from the rule version that raised the alert.
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    case = models.ForeignKey("compliance.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts")
    dedupe_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["customer", "created_at"]),
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["severity", "created_at"]),
            # The alert queue (compliance/workplace/queues.py): newest first (the admin adds -pk), by rule
            # (and severity), and the dashboard's 30-day range.
            models.Index(fields=["created_at", "id"], name="alert_queue_created_idx"),
            models.Index(fields=["rule_code", "severity", "created_at"], name="alert_queue_rule_idx"),
        ]
        # Monitoring rates the customer's AML risk (compliance.monitoring.services.alerts); seeing the rating is
        # compliance data like the alerts behind it (fintech.roles.CUSTOMER_RISK_PERM).
        permissions = [("view_customer_risk", "Can see customers' AML risk rating and score")]

    def __str__(self) -> str:
        return f"{self.rule_code} {self.customer_id} {self.window_end:%Y-%m-%d}"


class DeadLetterEvent(models.Model):
    """A stream event that failed evaluation too many times; kept for an engineer to look at."""

    stream = models.CharField(max_length=100)
    message_id = models.CharField(max_length=64)
    payload = models.JSONField()
    attempts = models.PositiveIntegerField()
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    replayed_at = models.DateTimeField(null=True, blank=True)
    replayed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["stream", "message_id"], name="dead_letter_unique")]
        permissions = [("replay_deadletterevent", "Can replay dead-lettered monitoring events")]

    def __str__(self) -> str:
        return f"{self.stream} {self.message_id}"


class AnomalyModel(models.Model):
    """A trained anomaly model. `blob` is ours (joblib); `blob_hmac` is checked before loading."""

    version = models.PositiveIntegerField(unique=True)
    blob = models.BinaryField()
    blob_hmac = models.CharField(max_length=64)
    feature_names = models.JSONField(default=list)
    threshold = models.FloatField()
    trained_on = models.PositiveIntegerField(help_text="Customers in the training set.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"anomaly model v{self.version}"
