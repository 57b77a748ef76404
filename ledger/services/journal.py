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
from functools import lru_cache

from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone

from fintech.db_cursor import server_binding_cursor
from fintech.models import Customer
from fintech.money import normalise_currency
from fintech.services.audit import audit_event_record
from ledger.account_cache import AccountIdentity, account_ids
from ledger.errors import UnbalancedEntryError
from ledger.models import JournalEntry, LedgerAccount


@dataclass(frozen=True)
class PostingLine:
    """One side of an entry: positive `amount` debits the account, negative credits it."""

    account: LedgerAccount
    amount: int


# The fields an account from the cache is built with; the others load if read.
_CACHED_FIELDS = ("id", "code", "currency", "customer_id")


def _identity(account: LedgerAccount) -> AccountIdentity:
    return (account.code, account.currency, account.customer_id)


def _account_cached(identity: AccountIdentity) -> LedgerAccount | None:
    pk = account_ids.get(identity)
    if pk is None:
        return None
    return LedgerAccount.from_db(DEFAULT_DB_ALIAS, _CACHED_FIELDS, (pk, *identity))


def _account_learnt(account: LedgerAccount) -> LedgerAccount:
    account_ids.learn(_identity(account), account.pk)
    return account


def _account_fetch(*, code: str, currency: str, customer: Customer | None) -> LedgerAccount:
    """From the database: the standard accounts and customers' balance accounts are
    created on first use, any other must exist."""
    kind = LedgerAccount.STANDARD_KINDS.get(code)
    if kind is None:
        return LedgerAccount.objects.get(code=code, currency=currency, customer=customer)
    name = f"Customer balance {customer.external_id}" if customer is not None else code.replace("_", " ").capitalize()
    account, _ = LedgerAccount.objects.get_or_create(
        code=code, currency=currency, customer=customer, defaults={"kind": kind, "name": name}
    )
    return account


def ledger_account_get(*, code: str, currency: str) -> LedgerAccount:
    """The account `code` in `currency`, created on first use for the standard codes.

    Served from the process's `account_ids` once known (no query); see `ledger.account_cache`
    for why a remembered id never posts to the wrong account.
    """
    currency = normalise_currency(currency)
    cached = _account_cached((code, currency, None))
    if cached is not None:
        return cached
    return _account_learnt(_account_fetch(code=code, currency=currency, customer=None))


def customer_balance_account_get(*, customer: Customer | None, currency: str) -> LedgerAccount:
    """`customer`'s own `customer_balances` account in `currency`, created on first use.

    Every posting that changes what the business owes one customer goes here, so the
    customer's balance is the account's balance. Without a customer (a payment from no
    one we know), the unattributed pooled account. Cached as `ledger_account_get` is.
    """
    if customer is None:
        return ledger_account_get(code=LedgerAccount.CUSTOMER_BALANCES, currency=currency)
    currency = normalise_currency(currency)
    cached = _account_cached((LedgerAccount.CUSTOMER_BALANCES, currency, customer.pk))
    if cached is not None:
        return cached
    return _account_learnt(_account_fetch(code=LedgerAccount.CUSTOMER_BALANCES, currency=currency, customer=customer))


def _account_refetch(account: LedgerAccount) -> LedgerAccount:
    """The account that now has `account`'s identity, from the database (its id is stale)."""
    account_ids.forget(_identity(account))
    customer = None if account.customer_id is None else Customer.objects.get(pk=account.customer_id)
    return _account_learnt(_account_fetch(code=account.code, currency=account.currency, customer=customer))


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


@lru_cache(maxsize=16)
def _entry_insert_statement(line_count: int) -> str:
    """The entry and its postings in one statement, written only if every line's account id
    still has the identity (code, currency, customer) it carries and the idempotency key is
    free. Returns (lines whose account matched, the new entry's id or NULL).

    Only placeholders are formatted in: one per posting line, so the text is the same for
    every entry of as many lines, and psycopg prepares it. The tables keep their payments_
    names (see ledger.models).
    """
    lines = ", ".join(["(%s::bigint, %s::varchar, %s::varchar, %s::bigint, %s::bigint)"] * line_count)
    return (
        f"WITH line (account_id, code, currency, customer_id, amount) AS (VALUES {lines}),"  # noqa: S608  # nosec B608
        " known AS ("
        "  SELECT count(*) AS accounts FROM line JOIN payments_ledgeraccount AS account"
        "  ON account.id = line.account_id AND account.code = line.code AND account.currency = line.currency"
        "  AND account.customer_id IS NOT DISTINCT FROM line.customer_id"
        " ), entry AS ("
        "  INSERT INTO payments_journalentry (description, idempotency_key, reverses_id, posted_at)"
        "  SELECT %s::varchar, %s::varchar, %s::bigint, %s::timestamptz FROM known WHERE known.accounts = %s::bigint"
        "  ON CONFLICT (idempotency_key) DO NOTHING RETURNING id"
        " ), postings AS ("
        "  INSERT INTO payments_posting (entry_id, account_id, amount, currency)"
        "  SELECT entry.id, line.account_id, line.amount, line.currency FROM entry, line"
        " ) SELECT known.accounts, (SELECT id FROM entry) FROM known"
    )


def _entry_insert(*, lines: Sequence[PostingLine], entry: JournalEntry) -> tuple[bool, int | None]:
    """Insert `entry` and its postings: (every account matched, the entry's id). Writes
    nothing when an account does not match or the idempotency key is taken (id None).

    A concurrent transaction holding the same key makes this wait for its outcome, as the
    unique index does: if it commits, this one gets None and reads the entry it posted.
    """
    params: list = []
    for line in lines:
        account = line.account
        params += [account.pk, account.code, account.currency, account.customer_id, line.amount]
    params += [entry.description, entry.idempotency_key, entry.reverses_id, entry.posted_at, len(lines)]
    with server_binding_cursor() as cursor:
        cursor.execute(_entry_insert_statement(len(lines)), params)
        matched, entry_id = cursor.fetchone()
    return matched == len(lines), entry_id


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
    move money twice. A line whose account id no longer names the account it was looked
    up as (a stale cache, see `ledger.account_cache`) posts to the account that has its
    identity now.
    """
    _check_lines(lines)
    entry = JournalEntry(
        description=description[:200], idempotency_key=idempotency_key, reverses=reverses, posted_at=timezone.now()
    )
    # No savepoints: a posting that fails fails the caller's whole transaction (an entry is
    # never half-posted), and the idempotency key is claimed with ON CONFLICT DO NOTHING, not
    # by catching the IntegrityError. The entry and its postings are one statement; one that
    # found a stale account wrote nothing, so it is simply run again.
    with transaction.atomic(savepoint=False):
        matched, entry.pk = _entry_insert(lines=lines, entry=entry)
        if not matched:
            lines = [PostingLine(_account_refetch(line.account), line.amount) for line in lines]
            matched, entry.pk = _entry_insert(lines=lines, entry=entry)
            if not matched:
                raise LedgerAccount.DoesNotExist("a posting's account vanished while it was posted")
        if entry.pk is None:
            return JournalEntry.objects.get(idempotency_key=idempotency_key)
        entry._state.adding = False
        entry._state.db = DEFAULT_DB_ALIAS
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
