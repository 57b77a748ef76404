from banking.models.items import BankAccount, PlaidItem
from banking.models.transactions import BankTransaction
from banking.models.transfers import Transfer, TransferCheck, TransferEventCursor
from banking.models.webhooks import PlaidWebhookEvent

__all__ = [
    "BankAccount",
    "BankTransaction",
    "PlaidItem",
    "PlaidWebhookEvent",
    "Transfer",
    "TransferCheck",
    "TransferEventCursor",
]
