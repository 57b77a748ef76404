from compliance.models.cases import Case, CaseAttachment, CaseComment, CaseDecision, CaseTransition, SarDraft
from compliance.models.hits import ScreeningHit
from compliance.models.lists import EntryName, ListSnapshot, SanctionsEntry, SanctionsList
from compliance.models.monitoring import (
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
