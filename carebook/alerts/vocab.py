"""The alerts' vocabulary: kinds, severities, states, and the steps of an escalation (one spelling for the
models, the rules, the constraints and the API)."""

from __future__ import annotations

from carebook.core.vocab import Vocabulary


class AlertKind(Vocabulary):
    OVERDUE_DOSE = "overdue_dose", "Overdue dose"
    MISSED_DOSE = "missed_dose", "Missed dose"


class Severity(Vocabulary):
    # Stored as text, ranked by SEVERITY_RANK: the dashboard sorts most severe first.
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


SEVERITY_RANK = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2}


class AlertStatus(Vocabulary):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


OPEN_STATUSES = frozenset({AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED})
