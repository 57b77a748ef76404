from __future__ import annotations

from fintech.errors import DomainError, InvalidInputError


class TransferRefusedError(DomainError):
    """A pre-flight check refused the transfer; the refusal and its checks are recorded."""

    code = "transfer_refused"

    def __init__(self, detail: str, *, transfer=None, failed_checks: list[dict] | None = None):
        super().__init__(detail)
        self.transfer = transfer
        # The API answer names each failed check, so a caller can tell "no funds" from "limit".
        self.extra = {"transfer": getattr(transfer, "pk", None), "failed_checks": failed_checks or []}


class BankLinkError(InvalidInputError):
    code = "bank_link_failed"


class SyncRestartLimitError(Exception):
    """Plaid kept reporting mutations during pagination: try the whole sync again later."""
