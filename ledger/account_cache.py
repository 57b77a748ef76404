"""Process-local map from a ledger account's identity to its id, so that posting does not
look its accounts up in the database every time.

An account's identity is (code, currency, customer id): the unique constraints of
`LedgerAccount` allow one row per identity. Accounts are created once and never deleted
(their postings protect them), so an id learnt from a committed row stays true. What could
still make an entry stale, and why none of it posts money to the wrong account:

- a row seen or created in a transaction that then rolls back: ids enter the map only once
  the transaction that saw them has committed (an `on_commit` callback that runs outside
  any transaction; callbacks a test runs inside its own transaction are ignored);
- a database emptied by `flush` (a transactional test's teardown, `manage.py flush`):
  flush sends `post_migrate`, on which `LedgerConfig` clears the map;
- anything else (rows deleted by hand, sequences reset, a flush told not to signal):
  `journal_entry_post` checks, in the statement that inserts the postings, that every
  account id still has the identity it was looked up by, and looks it up afresh if not;
  the balance-account lock takes its row by identity, not by a remembered id.

Bounded: past `SIZE` identities the oldest learnt is forgotten (looked up again on next use).
"""

from __future__ import annotations

import threading

from django.db import DEFAULT_DB_ALIAS, connections, transaction

AccountIdentity = tuple[str, str, int | None]  # (code, currency, customer id or None)

SIZE = 10_000


class AccountIds:
    def __init__(self, *, size: int = SIZE) -> None:
        self._ids: dict[AccountIdentity, int] = {}
        self._size = size
        self._lock = threading.Lock()  # writers only: a read is one atomic dict lookup

    def get(self, identity: AccountIdentity) -> int | None:
        return self._ids.get(identity)

    def learn(self, identity: AccountIdentity, pk: int, *, using: str = DEFAULT_DB_ALIAS) -> None:
        """Remember `pk` for `identity` once the current transaction commits (at once in
        autocommit); never if it rolls back."""
        transaction.on_commit(lambda: self._put(identity, pk, using), using=using)

    def _put(self, identity: AccountIdentity, pk: int, using: str) -> None:
        # After a real commit no transaction is open. Inside one, this is a test running
        # its captured callbacks in the transaction it will roll back: the row is not committed.
        if connections[using].in_atomic_block:
            return
        with self._lock:
            if identity not in self._ids and len(self._ids) >= self._size:
                del self._ids[next(iter(self._ids))]
            self._ids[identity] = pk

    def forget(self, identity: AccountIdentity) -> None:
        with self._lock:
            self._ids.pop(identity, None)

    def clear(self) -> None:
        with self._lock:
            self._ids.clear()

    def __len__(self) -> int:
        return len(self._ids)


account_ids = AccountIds()
