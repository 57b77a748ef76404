"""Domain errors of the ledger (mapped to status codes by the API's exception handler)."""

from __future__ import annotations

from fintech.errors import DomainError


class UnbalancedEntryError(DomainError):
    code = "unbalanced_entry"


class InsufficientFundsError(DomainError):
    """The customer's available balance does not cover the money asked for."""

    code = "insufficient_funds"
