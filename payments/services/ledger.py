"""Posting to the double-entry ledger.

Every entry balances per currency (refused here with `UnbalancedEntryError`, and at
commit by a deferred trigger on PostgreSQL) and never changes once posted; a
correction is `journal_entry_reverse`. Each posted entry writes one audit event
listing its postings, in the same transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from fintech.models import Customer
from fintech.money import normalise_currency
from fintech.services.audit import audit_event_record
from fintech.truncation import truncate_to_field
from payments.errors import UnbalancedEntryError
from payments.models import JournalEntry, LedgerAccount, Posting


@dataclass(frozen=True)
class PostingLine:
    """One side of an entry: positive `amount` debits the account, negative credits it."""

    account: LedgerAccount
    amount: int


def ledger_account_get(*, code: str, currency: str) -> LedgerAccount:
    """The account `code` in `currency`, created on first use for the standard codes."""
    currency = normalise_currency(currency)
    kind = LedgerAccount.STANDARD_KINDS.get(code)
    if kind is None:
        return LedgerAccount.objects.get(code=code, currency=currency, customer=None)
    account, _ = LedgerAccount.objects.get_or_create(
        code=code, currency=currency, customer=None,
        defaults={"kind": kind, "name": code.replace("_", " ").capitalize()},
    )
    return account


def customer_balance_account_get(*, customer: Customer | None, currency: str) -> LedgerAccount:
    """`customer`'s own `customer_balances` account in `currency`, created on first use.

    Every posting that changes what the business owes one customer goes here, so the
    customer's balance is the account's balance. Without a customer (a payment from no
    one we know), the unattributed pooled account.
    """
    if customer is None:
        return ledger_account_get(code=LedgerAccount.CUSTOMER_BALANCES, currency=currency)
    account, _ = LedgerAccount.objects.get_or_create(
        code=LedgerAccount.CUSTOMER_BALANCES, currency=normalise_currency(currency), customer=customer,
        defaults={"kind": LedgerAccount.Kind.LIABILITY, "name": f"Customer balance {customer.external_id}"},
    )
    return account


def _check_lines(lines: Sequence[PostingLine]) -> None:
    if len(lines) < 2:
        raise UnbalancedEntryError("a journal entry needs at least two postings")
    totals: dict[str, int] = defaultdict(int)
    for line in lines:
        if not isinstance(line.amount, int) or isinstance(line.amount, bool) or line.amount == 0:
            raise UnbalancedEntryError(f"posting amounts are non-zero ints of minor units, not {line.amount!r}")
        totals[line.account.currency] += line.amount
    off = {currency: total for currency, total in totals.items() if total != 0}
    if off:
        raise UnbalancedEntryError(
            "journal entry does not balance: " + ", ".join(f"{c} off by {t}" for c, t in sorted(off.items()))
        )


def journal_entry_post(
    *, lines: Sequence[PostingLine], description: str, idempotency_key: str, reverses: JournalEntry | None = None,
    actor=None,
) -> JournalEntry:
    """Post a balanced entry, once per `idempotency_key`.

    Posting the same key again returns the entry already posted and writes nothing
    (the unique key is the guard, not a prior lookup), so a retried effect cannot
    move money twice.
    """
    _check_lines(lines)
    with transaction.atomic():
        try:
            with transaction.atomic():
                entry = JournalEntry.objects.create(
                    description=truncate_to_field(JournalEntry, "description", description),
                    idempotency_key=idempotency_key, reverses=reverses,
                    posted_at=timezone.now(),
                )
        except IntegrityError:
            existing = JournalEntry.objects.filter(idempotency_key=idempotency_key).first()
            if existing is None:  # the conflict was on `reverses`: that entry is already reversed
                raise
            return existing
        postings = Posting.objects.bulk_create(
            Posting(entry=entry, account=line.account, amount=line.amount, currency=line.account.currency)
            for line in lines
        )
        audit_event_record(
            action="payments.journal_entry.posted",
            actor=actor,
            target=entry,
            after={
                "idempotency_key": idempotency_key,
                "reverses": reverses.pk if reverses else None,
                "postings": [
                    {"account": p.account.code, "amount": p.amount, "currency": p.currency} for p in postings
                ],
            },
        )
    return entry


def journal_entry_reverse(*, entry: JournalEntry, description: str = "", actor=None) -> JournalEntry:
    """Post the exact opposite of `entry`, linked to it. An entry is reversed at most once."""
    lines = [PostingLine(account=p.account, amount=-p.amount) for p in entry.postings.select_related("account")]
    return journal_entry_post(
        lines=lines, description=description or f"Reversal of JE#{entry.pk}",
        idempotency_key=f"reversal-of-{entry.pk}", reverses=entry, actor=actor,
    )
