"""Compliance's view of the settings: read from `django.conf.settings` at call time, so a test's
`override_settings` (a lower threshold, a smaller attachment limit) takes effect at once.

Every setting is defined once, with its type, default and meaning, in
`config/setting_definitions.py` (SCREENING_*, AML_*, COMPLIANCE_*).

SCREENING_THRESHOLD: final score (0-100) at or above which a match is a hit. The score
is the name model's 0-100 confidence that two names are the same party's, moved by the
date of birth, country and entity type (see docs/screening.md). The model's intercept is
set so that 88 is the cut that gave the best F1 on the tuning half of OpenSanctions'
name_bench: the threshold kept its value and its meaning ("the same party, unless other
evidence says otherwise"); `make eval` reports precision and recall at it.
"""

from __future__ import annotations

from django.conf import settings


def screening_threshold() -> float:
    return settings.SCREENING_THRESHOLD


def screening_max_matches() -> int:
    return settings.SCREENING_MAX_MATCHES


def aml_stream() -> str:
    return settings.AML_STREAM


def aml_group() -> str:
    return settings.AML_GROUP


def aml_max_attempts() -> int:
    return settings.AML_MAX_ATTEMPTS


def aml_reclaim_idle_ms() -> int:
    return settings.AML_RECLAIM_IDLE_MS


def case_sla_days() -> int:
    return settings.COMPLIANCE_CASE_SLA_DAYS


def attachment_max_bytes() -> int:
    return settings.COMPLIANCE_ATTACHMENT_MAX_BYTES


def attachment_types() -> list[str]:
    return list(settings.COMPLIANCE_ATTACHMENT_TYPES)


def fx_base() -> str:
    return settings.COMPLIANCE_FX_BASE


def fx_rates() -> dict[str, str]:
    """Major units of the base currency per major unit of each currency, as configured."""
    return dict(settings.COMPLIANCE_FX_RATES)
