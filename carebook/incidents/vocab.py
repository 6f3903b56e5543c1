"""The medication incidents' vocabulary (one spelling for the models, the rules, the constraints and the API)."""

from __future__ import annotations

from carebook.core.vocab import Vocabulary


class IncidentKind(Vocabulary):
    OMISSION = "omission", "Omission (a dose not given)"
    WRONG_PERSON = "wrong_person", "Wrong person"
    WRONG_MEDICINE = "wrong_medicine", "Wrong medicine"
    WRONG_DOSE = "wrong_dose", "Wrong dose"
    WRONG_TIME = "wrong_time", "Wrong time"
    WRONG_ROUTE = "wrong_route", "Wrong route"
    RECORDING_ERROR = "recording_error", "Recording error"
    STOCK_DISCREPANCY = "stock_discrepancy", "Stock discrepancy"
    OTHER = "other", "Other"


class Harm(Vocabulary):
    NONE = "none", "No harm"
    LOW = "low", "Low harm"
    MODERATE = "moderate", "Moderate harm"
    SEVERE = "severe", "Severe harm"
    DEATH = "death", "Death"


HARM_ORDER = (Harm.NONE, Harm.LOW, Harm.MODERATE, Harm.SEVERE, Harm.DEATH)


class IncidentStatus(Vocabulary):
    OPEN = "open", "Open"
    UNDER_REVIEW = "under_review", "Under review"
    CLOSED = "closed", "Closed (signed off)"


class Party(Vocabulary):
    """Who was told about an incident (the CQC notification is recorded on its own, with its reference)."""

    GP = "gp", "GP"
    PHARMACIST = "pharmacist", "Pharmacist"
    FAMILY = "family", "Family"
    SAFEGUARDING = "safeguarding", "Local authority safeguarding"


class CandourTold(Vocabulary):
    PERSON = "person", "The person"
    FAMILY = "family", "Their family"
    REPRESENTATIVE = "representative", "Their representative or advocate"


# Where an incident came from, for the list's words.
ALERT_KIND_TO_INCIDENT = {"overdue_dose": IncidentKind.OMISSION, "missed_dose": IncidentKind.OMISSION}
