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
    "Alert", "AnomalyModel", "DeadLetterEvent", "EntryName", "ListSnapshot", "MonitoredTransaction", "Rule",
    "SanctionsEntry", "SanctionsList", "ScreeningHit", "Severity",
]
