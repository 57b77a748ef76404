"""Reconciliation settings, read from the environment at call time.

RECONCILIATION_GATEWAYS          comma-separated gateways the nightly run covers (default: stripe)
RECONCILIATION_DATE_WINDOW_DAYS  how far apart a record without a reference and its ledger
                                 record may be, in days (default: 3)
RECONCILIATION_WORK_MEM          PostgreSQL work_mem for the matching transaction (default: 128MB),
                                 so that its hash joins stay in memory
"""

from __future__ import annotations

import environ

env = environ.Env()


def nightly_gateways() -> list[str]:
    return [g.strip().lower() for g in env.list("RECONCILIATION_GATEWAYS", default=["stripe"]) if g.strip()]


def date_window_days() -> int:
    return env.int("RECONCILIATION_DATE_WINDOW_DAYS", default=3)


def work_mem() -> str:
    return env.str("RECONCILIATION_WORK_MEM", default="128MB")
