"""Corrective actions' vocabulary: what kind of action, and what it belongs to (one spelling everywhere)."""

from __future__ import annotations

from carebook.core.vocab import Vocabulary


class ActionKind(Vocabulary):
    TRAINING = "training", "Training"
    SUPERVISION = "supervision", "Supervision"
    COMPETENCY_REASSESSMENT = "competency_reassessment", "Competency reassessment"
    PROCEDURE_CHANGE = "procedure_change", "Procedure change"
    OTHER = "other", "Other"


class SourceKind(Vocabulary):
    """What a corrective action was set for: an incident now, a governance audit's finding later (issue 7)."""

    INCIDENT = "incident", "Medication incident"
    AUDIT = "audit", "Governance audit"
