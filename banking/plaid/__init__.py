"""The Plaid adapter: the only package that imports the `plaid` SDK. Its functions
take and return plain values and the dataclasses in `banking.plaid.types`."""

from banking.plaid.client import (
    accounts_balance_get,
    accounts_get,
    auth_get,
    identity_get,
    institutions_get_by_id,
    item_public_token_exchange,
    link_token_create,
    transactions_sync,
    transfer_authorization_create,
    transfer_create,
    transfer_event_sync,
    webhook_verification_key_get,
)
from banking.plaid.types import PlaidError, PlaidUnavailableError

__all__ = [
    "PlaidError",
    "PlaidUnavailableError",
    "accounts_balance_get",
    "accounts_get",
    "auth_get",
    "identity_get",
    "institutions_get_by_id",
    "item_public_token_exchange",
    "link_token_create",
    "transactions_sync",
    "transfer_authorization_create",
    "transfer_create",
    "transfer_event_sync",
    "webhook_verification_key_get",
]
