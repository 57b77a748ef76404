from compliance.cases.models import Case, CaseAttachment, CaseComment, CaseDecision, CaseTransition, SarDraft
from compliance.lists.models import EntryName, ListSnapshot, SanctionsEntry, SanctionsList
from compliance.models.hits import ScreeningHit
from compliance.monitoring.models import (
    Alert,
    AnomalyModel,
    DeadLetterEvent,
    MonitoredTransaction,
    Rule,
    Severity,
)

__all__ = [
    "Alert",
    "AnomalyModel",
    "Case",
    "CaseAttachment",
    "CaseComment",
    "CaseDecision",
    "CaseTransition",
    "DeadLetterEvent",
    "EntryName",
    "ListSnapshot",
    "MonitoredTransaction",
    "Rule",
    "SanctionsEntry",
    "SanctionsList",
    "SarDraft",
    "ScreeningHit",
    "Severity",
]
