"""Compliance settings, read from the environment (django-environ) with typed defaults.

SCREENING_THRESHOLD: final score (0-100) at or above which a match is a hit. The
default comes from the evaluation in bench/screening.py (perturbed SDN names versus
Faker names). On 2,000 perturbed listed names and 5,000 Faker names: at 86,
recall 98.6% and false positives 0.36%; at 88, recall 98.4% and false positives
0.12%; at 90, 98.1% and 0.08%. 88 buys a third of the false positives for 0.2
points of recall.
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
