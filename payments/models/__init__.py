from payments.models.money_movements import Dispute, Payment, Payout, Refund
from payments.models.reconciliation import (
    ReconciliationException,
    ReconciliationItem,
    ReconciliationRecord,
    ReconciliationRun,
)
from payments.models.webhooks import WebhookDelivery

__all__ = [
    "Dispute",
    "Payment",
    "Payout",
    "ReconciliationException",
    "ReconciliationItem",
    "ReconciliationRecord",
    "ReconciliationRun",
    "Refund",
    "WebhookDelivery",
]
