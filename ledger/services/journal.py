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

from django.db import connection, transaction
from django.utils import timezone

from fintech.models import Customer
from fintech.money import normalise_currency
from fintech.services.audit import audit_event_record
from ledger.errors import UnbalancedEntryError
from ledger.models import JournalEntry, LedgerAccount


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
        code=code,
        currency=currency,
        customer=None,
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
        code=LedgerAccount.CUSTOMER_BALANCES,
        currency=normalise_currency(currency),
        customer=customer,
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


def _entry_insert(
    *, lines: Sequence[PostingLine], description: str, idempotency_key: str, reverses: JournalEntry | None
) -> JournalEntry | None:
    """Insert the entry and its postings in one statement, unless its idempotency key is
    taken (then None, and nothing is written).

    A concurrent transaction holding the same key makes this wait for its outcome, as the
    unique index does: if it commits, this one gets None and reads the entry it posted.
    """
    entry = JournalEntry(
        description=description[:200], idempotency_key=idempotency_key, reverses=reverses, posted_at=timezone.now()
    )
    values = ", ".join(["(%s::bigint, %s::bigint, %s::varchar)"] * len(lines))
    params: list = [entry.description, entry.idempotency_key, entry.reverses_id, entry.posted_at]
    for line in lines:
        params += [line.account.pk, line.amount, line.account.currency]
    # Only placeholders are formatted in: one "(%s, %s, %s)" per posting line. The tables
    # keep their payments_ names (see ledger.models).
    statement = (
        "WITH entry AS ("  # noqa: S608  # nosec B608
        " INSERT INTO payments_journalentry (description, idempotency_key, reverses_id, posted_at)"
        " VALUES (%s, %s, %s, %s) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id"
        "), postings AS ("
        " INSERT INTO payments_posting (entry_id, account_id, amount, currency)"
        " SELECT entry.id, line.account_id, line.amount, line.currency"
        f" FROM entry, (VALUES {values}) AS line (account_id, amount, currency)"
        ") SELECT id FROM entry"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    if row is None:
        return None
    entry.pk = row[0]
    entry._state.adding = False
    entry._state.db = connection.alias
    return entry


def journal_entry_post(
    *,
    lines: Sequence[PostingLine],
    description: str,
    idempotency_key: str,
    reverses: JournalEntry | None = None,
    actor=None,
) -> JournalEntry:
    """Post a balanced entry, once per `idempotency_key`.

    Posting the same key again returns the entry already posted and writes nothing
    (the unique key is the guard, not a prior lookup), so a retried effect cannot
    move money twice.
    """
    _check_lines(lines)
    # No savepoints: a posting that fails fails the caller's whole transaction (an entry is
    # never half-posted), and the idempotency key is claimed with ON CONFLICT DO NOTHING, not
    # by catching the IntegrityError. The entry and its postings are one statement.
    with transaction.atomic(savepoint=False):
        entry = _entry_insert(lines=lines, description=description, idempotency_key=idempotency_key, reverses=reverses)
        if entry is None:
            return JournalEntry.objects.get(idempotency_key=idempotency_key)
        # The action keeps the name it had while the ledger was part of payments: the
        # trail is evidence, and a query by action must find events from either side.
        audit_event_record(
            action="payments.journal_entry.posted",
            actor=actor,
            target=entry,
            after={
                "idempotency_key": idempotency_key,
                "reverses": reverses.pk if reverses else None,
                "postings": [
                    {"account": line.account.code, "amount": line.amount, "currency": line.account.currency}
                    for line in lines
                ],
            },
        )
    return entry


def journal_entry_reverse(*, entry: JournalEntry, description: str = "", actor=None) -> JournalEntry:
    """Post the exact opposite of `entry`, linked to it. An entry is reversed at most once."""
    lines = [PostingLine(account=p.account, amount=-p.amount) for p in entry.postings.select_related("account")]
    return journal_entry_post(
        lines=lines,
        description=description or f"Reversal of JE#{entry.pk}",
        idempotency_key=f"reversal-of-{entry.pk}",
        reverses=entry,
        actor=actor,
    )
