from payments.models.ledger import JournalEntry, LedgerAccount, Posting
from payments.models.money_movements import Dispute, Payment, Payout, Refund
from payments.models.webhooks import WebhookDelivery

__all__ = ["Dispute", "JournalEntry", "LedgerAccount", "Payment", "Payout", "Posting", "Refund", "WebhookDelivery"]
