"""Our own small shapes of what Plaid answers. Money is already int minor units."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field


class PlaidError(Exception):
    """Plaid refused a request: `code` is Plaid's error_code (e.g. ITEM_LOGIN_REQUIRED)."""

    def __init__(self, *, code: str, error_type: str = "", message: str = "", status: int | None = None):
        super().__init__(f"{code}: {message}" if message else code)
        self.code, self.error_type, self.message, self.status = code, error_type, message, status


class PlaidUnavailableError(Exception):
    """Plaid could not be reached or answered 5xx: transient, safe to retry."""


@dataclass(frozen=True)
class LinkToken:
    link_token: str
    expiration: datetime.datetime


@dataclass(frozen=True)
class ItemAccess:
    item_id: str
    access_token: str


@dataclass(frozen=True)
class Account:
    account_id: str
    name: str
    official_name: str
    mask: str
    type: str
    subtype: str
    currency: str
    current: int | None
    available: int | None


@dataclass(frozen=True)
class ItemAccounts:
    item_id: str
    institution_id: str
    accounts: list[Account]


@dataclass(frozen=True)
class AchNumbers:
    account_id: str
    account: str
    routing: str


@dataclass(frozen=True)
class Institution:
    institution_id: str
    name: str


@dataclass(frozen=True)
class Transaction:
    transaction_id: str
    account_id: str
    amount: int
    currency: str
    date: datetime.date
    name: str
    merchant_name: str
    pending: bool


@dataclass(frozen=True)
class RemovedTransaction:
    transaction_id: str
    account_id: str


@dataclass(frozen=True)
class SyncPage:
    added: list[Transaction] = field(default_factory=list)
    modified: list[Transaction] = field(default_factory=list)
    removed: list[RemovedTransaction] = field(default_factory=list)
    next_cursor: str = ""
    has_more: bool = False


@dataclass(frozen=True)
class VerificationKey:
    kid: str
    jwk: dict
    expired_at: int | None


@dataclass(frozen=True)
class TransferAuthorization:
    authorization_id: str
    decision: str
    rationale: str


@dataclass(frozen=True)
class TransferCreated:
    transfer_id: str
    status: str


@dataclass(frozen=True)
class TransferEvent:
    event_id: int
    transfer_id: str
    event_type: str
    failure_reason: str
