"""Read use-cases of the ledger: balances come from postings, never from a stored total."""

from __future__ import annotations

from django.db.models import QuerySet, Sum
from django.db.models.functions import Coalesce

from fintech.models import Customer
from fintech.money import normalise_currency
from ledger.models import JournalEntry, LedgerAccount, LedgerHold, Posting


def ledger_account_balance(*, account: LedgerAccount) -> int:
    """Debits minus credits of `account`, in minor units of its currency."""
    return Posting.objects.filter(account=account).aggregate(total=Sum("amount"))["total"] or 0


def ledger_accounts_with_balance(*, accounts: QuerySet[LedgerAccount]) -> QuerySet[LedgerAccount]:
    """`accounts`, each annotated with `balance` (debits minus credits) in one query."""
    return accounts.annotate(balance=Coalesce(Sum("postings__amount"), 0))


def account_available_balance(*, account: LedgerAccount) -> int:
    """What the business owes on the liability `account` (its credits minus debits: only
    posted, i.e. settled, money) minus its active holds. Negative means overdrawn."""
    held = (
        LedgerHold.objects.filter(account=account, status=LedgerHold.Status.ACTIVE).aggregate(total=Sum("amount"))[
            "total"
        ]
        or 0
    )
    return -ledger_account_balance(account=account) - held


def available_balance(*, customer: Customer, currency: str) -> int:
    """What `customer` may spend in `currency` now, in minor units: settled postings to
    their own balance account minus active holds (0 when they have no account yet)."""
    account = LedgerAccount.objects.filter(
        code=LedgerAccount.CUSTOMER_BALANCES, customer=customer, currency=normalise_currency(currency)
    ).first()
    return 0 if account is None else account_available_balance(account=account)


def ledger_balances(*, currency: str | None = None) -> dict[tuple[str, str], int]:
    """{(account code, currency): balance} for every account that has postings."""
    rows = Posting.objects.all()
    if currency:
        rows = rows.filter(currency=currency)
    totals = rows.values("account__code", "currency").annotate(total=Sum("amount")).order_by()
    return {(row["account__code"], row["currency"]): row["total"] for row in totals}


def journal_entry_totals(*, entry: JournalEntry) -> dict[str, int]:
    """{currency: sum of postings}; every value is 0 for a balanced entry."""
    totals = entry.postings.values("currency").annotate(total=Sum("amount")).order_by()
    return {row["currency"]: row["total"] for row in totals}
