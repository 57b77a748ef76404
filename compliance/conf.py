"""Compliance settings, read from the environment (django-environ) with typed defaults.

SCREENING_THRESHOLD: final score (0-100) at or above which a match is a hit. The score
is the name model's 0-100 confidence that two names are the same party's, moved by the
date of birth, country and entity type (see docs/screening.md). The model's intercept is
set so that 88 is the cut that gave the best F1 on the tuning half of OpenSanctions'
name_bench: the threshold kept its value and its meaning ("the same party, unless other
evidence says otherwise"); `make eval` reports precision and recall at it.
"""

from __future__ import annotations

import environ

env = environ.Env()

SCREENING_THRESHOLD: float = env.float("SCREENING_THRESHOLD", default=88.0)
# Matches returned (and considered) per screened name.
SCREENING_MAX_MATCHES: int = env.int("SCREENING_MAX_MATCHES", default=10)

# Transaction monitoring: the Redis stream, its consumer group, and when an event is poison.
AML_STREAM: str = env.str("AML_STREAM", default="transactions")
AML_GROUP: str = env.str("AML_GROUP", default="aml")
AML_MAX_ATTEMPTS: int = env.int("AML_MAX_ATTEMPTS", default=5)
# Pending entries idle this long belong to a dead (or stuck) consumer and are reclaimed.
AML_RECLAIM_IDLE_MS: int = env.int("AML_RECLAIM_IDLE_MS", default=60_000)

# Case management: days from opening a case to its SLA due date.
COMPLIANCE_CASE_SLA_DAYS: int = env.int("COMPLIANCE_CASE_SLA_DAYS", default=30)
# Evidence attachments: the largest file accepted, and the content types accepted.
COMPLIANCE_ATTACHMENT_MAX_BYTES: int = env.int("COMPLIANCE_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
COMPLIANCE_ATTACHMENT_TYPES: list[str] = env.list("COMPLIANCE_ATTACHMENT_TYPES", default=[
    "application/pdf", "image/png", "image/jpeg", "text/plain", "text/csv",
])

# Monitoring thresholds are minor units of this currency; other currencies are converted with
# these reference rates (major units of the base per major unit; see compliance/monitoring/fx.py).
COMPLIANCE_FX_BASE: str = env.str("COMPLIANCE_FX_BASE", default="GBP")
COMPLIANCE_FX_RATES: dict = env.dict("COMPLIANCE_FX_RATES", default={
    "USD": "0.79", "EUR": "0.85", "JPY": "0.0053", "CHF": "0.89", "CAD": "0.58", "AUD": "0.52",
})
