from payments.models.ledger import JournalEntry, LedgerAccount, LedgerHold, Posting
from payments.models.money_movements import Dispute, Payment, Payout, Refund
from payments.models.reconciliation import (
    ReconciliationException,
    ReconciliationItem,
    ReconciliationRecord,
    ReconciliationRun,
)
from payments.models.webhooks import WebhookDelivery

__all__ = [
    "Dispute", "JournalEntry", "LedgerAccount", "LedgerHold", "Payment", "Payout", "Posting", "ReconciliationException",
    "ReconciliationItem", "ReconciliationRecord", "ReconciliationRun", "Refund", "WebhookDelivery",
]
