"""Ledger posting throughput through the payments posting service, with 8 concurrent writers.

Each unit is what a succeeded card payment books, in its own transaction: resolve the
gateway's clearing account and the customer's own balance account (`ledger_account_get`,
`customer_balance_account_get`, answered from the process's account-id cache once known),
then `journal_entry_post` (clearing debited, customer credited) with its audit event, and
the commit that runs the deferred balance check. Writers post for 200 customers, so entries
of one customer and of one clearing account overlap in time, as in production; every entry
hits the same clearing account. Beside it, in the same run: `journal_entry_post` with the
accounts resolved once per writer, and plain INSERTs of the same rows (entry, two postings,
an audit row in an unchained copy of the audit table), and the ratio of the service's rate
to the plain INSERTs' — the figure to compare across runs on a shared machine.

Environment: BENCH_LEDGER_SECONDS (measured run, default 10), BENCH_LEDGER_WRITERS (default 8).
"""

from __future__ import annotations

import os
import uuid

from bench.writers import writers_run

SECONDS = float(os.environ.get("BENCH_LEDGER_SECONDS", "10"))
WRITERS = int(os.environ.get("BENCH_LEDGER_WRITERS", "8"))
CUSTOMERS = 200
TARGET = 1000
RUN = uuid.uuid4().hex[:8]


def _customers():
    from fintech.models import Customer

    ids = [f"bench-ledger-{RUN}-{n}" for n in range(CUSTOMERS)]
    Customer.objects.bulk_create([Customer(external_id=e, legal_name=e) for e in ids], ignore_conflicts=True)
    return list(Customer.objects.filter(external_id__in=ids).order_by("pk"))


_cache: dict = {}


def _post(writer: int, i: int) -> None:
    from django.db import transaction

    from ledger.models import LedgerAccount
    from ledger.services.journal import (
        PostingLine,
        customer_balance_account_get,
        journal_entry_post,
        ledger_account_get,
    )

    if i < 0:  # setup in the writer: its customers (rows created by the parent)
        _cache["customers"] = _customers()
        return
    customer = _cache["customers"][(writer * 7919 + i) % CUSTOMERS]
    amount = 100 + i % 900
    with transaction.atomic():
        journal_entry_post(
            lines=[
                PostingLine(ledger_account_get(code=LedgerAccount.GATEWAY_CLEARING, currency="EUR"), amount),
                PostingLine(customer_balance_account_get(customer=customer, currency="EUR"), -amount),
            ],
            description=f"Bench payment {writer}-{i} succeeded",
            idempotency_key=f"bench-{RUN}-{writer}-{i}",
        )


def _post_resolved(writer: int, i: int) -> None:
    """`journal_entry_post` alone: the accounts resolved once per writer, as a caller that
    already holds them (a batch, a retry) does; with the account-id cache, `_post` costs
    about the same."""
    from ledger.models import LedgerAccount
    from ledger.services.journal import (
        PostingLine,
        customer_balance_account_get,
        journal_entry_post,
        ledger_account_get,
    )

    if i < 0:
        _post(writer, i)
        _cache["clearing"] = ledger_account_get(code=LedgerAccount.GATEWAY_CLEARING, currency="EUR")
        _cache["balances"] = [customer_balance_account_get(customer=c, currency="EUR") for c in _cache["customers"]]
        return
    from django.db import transaction

    balance = _cache["balances"][(writer * 7919 + i) % CUSTOMERS]
    amount = 100 + i % 900
    with transaction.atomic():
        journal_entry_post(
            lines=[PostingLine(_cache["clearing"], amount), PostingLine(balance, -amount)],
            description=f"Bench payment {writer}-{i} succeeded",
            idempotency_key=f"bench-{RUN}-resolved-{writer}-{i}",
        )


def _plain_insert(writer: int, i: int) -> None:
    """The same rows as plain INSERTs in one transaction: the entry, its two postings and an
    audit row in a copy of the audit table (no chain, no account lookups, no savepoints)."""
    from django.db import connection, transaction

    if i < 0:
        _post(writer, i)
        from ledger.models import LedgerAccount

        _cache["accounts"] = list(LedgerAccount.objects.filter(currency="EUR").values_list("pk", flat=True)[:50])
        return
    accounts = _cache["accounts"]
    amount = 100 + i % 900
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO payments_journalentry (description, idempotency_key, posted_at) VALUES (%s, %s, now()) "
            "RETURNING id",
            [f"Bench plain {writer}-{i}", f"bench-plain-{RUN}-{writer}-{i}"],
        )
        entry = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO payments_posting (entry_id, account_id, amount, currency) VALUES (%s, %s, %s, 'EUR'), "
            "(%s, %s, %s, 'EUR')",
            [entry, accounts[0], amount, entry, accounts[1 + i % (len(accounts) - 1)], -amount],
        )
        cursor.execute(
            "INSERT INTO bench_plain_audit (shard, seq, occurred_at, actor_label, action, target_type, target_id, "
            "target_repr, after, request_id, outcome, prev_hash, key_id, hash) "
            "VALUES (%s, nextval('bench_plain_audit_seq'), now(), '', 'payments.journal_entry.posted', "
            "'ledger.JournalEntry', %s, '', '{}', '', 'success', repeat('0', 64), 'bench', "
            "md5(random()::text) || md5(random()::text))",
            [writer, str(entry)],
        )


def run() -> list[dict]:
    from django.db import connection

    from fintech.services.audit import audit_chain_verify
    from ledger.models import JournalEntry

    customers = _customers()
    for customer in customers:  # accounts exist before the clock starts, as for returning customers
        _post_setup_account(customer)
    before = JournalEntry.objects.count()
    result = writers_run(writers=WRITERS, seconds=SECONDS, work=_post)
    posted = JournalEntry.objects.count() - before
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM payments_journalentry e WHERE e.idempotency_key LIKE %s AND NOT EXISTS "
            "(SELECT 1 FROM fintech_auditevent a WHERE a.target_type = 'ledger.JournalEntry' "
            "AND a.target_id = e.id::text)",
            [f"bench-{RUN}-%"],
        )
        unaudited = cursor.fetchone()[0]
    resolved = writers_run(writers=WRITERS, seconds=SECONDS / 2, work=_post_resolved)
    verified = audit_chain_verify()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_plain_audit")
        cursor.execute("DROP SEQUENCE IF EXISTS bench_plain_audit_seq")
        cursor.execute("CREATE TABLE bench_plain_audit (LIKE fintech_auditevent INCLUDING ALL)")
        cursor.execute("CREATE SEQUENCE bench_plain_audit_seq")
    plain = writers_run(writers=WRITERS, seconds=SECONDS / 2, work=_plain_insert)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_plain_audit")
        cursor.execute("DROP SEQUENCE bench_plain_audit_seq")
    return [
        {
            "name": f"ledger journal entries posted per second ({WRITERS} writers, each audited)",
            "value": result.rate,
            "unit": "entries/s",
            "target": f">= {TARGET}",
            "met": result.rate >= TARGET and posted == result.units and unaudited == 0 and verified.ok,
        },
        {
            "name": f"journal_entry_post alone, accounts resolved once ({WRITERS} writers)",
            "value": resolved.rate,
            "unit": "entries/s",
            "met": None,
        },
        {
            "name": f"ledger posters waiting on a lock ({WRITERS} writers)",
            "value": round(result.lock_wait_share * 100, 1),
            "unit": "% of samples",
            "met": None,
        },
        {
            "name": f"plain INSERTs of the same rows per second ({WRITERS} writers)",
            "value": plain.rate,
            "unit": "entries/s",
            "met": None,
        },
        {
            "name": "posting service / plain INSERTs, same run",
            "value": round(result.rate / plain.rate, 2) if plain.rate else 0,
            "unit": "ratio",
            "met": None,
        },
        {
            "name": "ledger entries without their audit event",
            "value": unaudited,
            "unit": "entries",
            "met": unaudited == 0,
        },
    ]


def _post_setup_account(customer) -> None:
    from ledger.models import LedgerAccount
    from ledger.services.journal import customer_balance_account_get, ledger_account_get

    ledger_account_get(code=LedgerAccount.GATEWAY_CLEARING, currency="EUR")
    customer_balance_account_get(customer=customer, currency="EUR")
