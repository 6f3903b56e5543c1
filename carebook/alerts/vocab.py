"""The alerts' vocabulary: kinds, severities, states, and the steps of an escalation (one spelling for the
models, the rules, the constraints and the API)."""

from __future__ import annotations

from carebook.core.vocab import Vocabulary


class AlertKind(Vocabulary):
    OVERDUE_DOSE = "overdue_dose", "Overdue dose"
    MISSED_DOSE = "missed_dose", "Missed dose"
    REFUSED_OFFER_AGAIN = "refused_offer_again", "Refused, to offer again"
    REPEATED_REFUSAL = "repeated_refusal", "Repeated refusal"
    REPEATED_OMISSIONS = "repeated_omissions", "Repeated omissions"
    PRN_PATTERN = "prn_pattern", "When-required pattern"
    PROMPT_NOT_CONFIRMED = "prompt_not_confirmed", "Safety check skipped or failed"
    READING_OUTSIDE_RULE = "reading_outside_rule", "Reading outside its rule"
    ALLERGY_OVERRIDDEN = "allergy_overridden", "Allergy warning overridden"
    LATE_RECORDING = "late_recording", "Late recording"
    TRANSCRIPTION_OUTSTANDING = "transcription_outstanding", "Transcription check outstanding"
    # A dose set by the clinic's instructions (warfarin, ADR 0037) due on a day no checked instruction covers.
    DOSING_INSTRUCTION_MISSING = "dosing_instruction_missing", "No dosing instruction from the clinic"
    # A home-care visit still open when its window has ended and VISIT_CLOSE_GRACE has passed (ADR 0038).
    VISIT_NOT_CLOSED = "visit_not_closed", "Visit not closed"
    # About a member of staff, not a person (ADR 0030): no person; seen and followed up by their supervisors.
    PROMPT_NON_COMPLIANCE = "prompt_non_compliance", "Safety checks repeatedly skipped or failed"


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


class EscalatedTo(Vocabulary):
    """Who an alert nobody acknowledged has gone to, in order (rules.escalation_level_due)."""

    SHIFT = "shift", "The staff on shift"
    TEAM_LEADER = "team_leader", "The team leader"
    REGISTERED_MANAGER = "registered_manager", "The registered manager"


ESCALATION_ORDER = (EscalatedTo.SHIFT, EscalatedTo.TEAM_LEADER, EscalatedTo.REGISTERED_MANAGER)

OPEN_STATUSES = frozenset({AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED})


class ActionKind(Vocabulary):
    CONTACTED_CARE_WORKER = "contacted_care_worker", "Contacted the care worker"
    ESCALATED = "escalated", "Asked a professional for advice"
    ADVICE_OUTCOME = "advice_outcome", "Outcome"
    INFORMED = "informed", "Told the person, family or advocate"
    NOTE = "note", "Note"
    # The supervisor's follow-up of repeated non-compliance (PROMPT_NON_COMPLIANCE): each is also its outcome.
    SUPERVISION_HELD = "supervision_held", "Supervision held"
    PROCEDURE_CLARIFIED = "procedure_clarified", "Procedure clarified"
    RETRAINING_ARRANGED = "retraining_arranged", "Retraining arranged"


FOLLOW_UPS = frozenset({ActionKind.SUPERVISION_HELD, ActionKind.PROCEDURE_CLARIFIED, ActionKind.RETRAINING_ARRANGED})
# The kinds about a member of staff: no person; only those who see compliance (Action.VIEW_COMPLIANCE) see them.
STAFF_KINDS = frozenset({AlertKind.PROMPT_NON_COMPLIANCE})


def outcome_label(value: str) -> str:
    """An alert's outcome in words: a decision about a dose (Outcome), or a supervisor's follow-up (ActionKind)."""
    if value in Outcome.values:
        return Outcome(value).label
    return ActionKind.label_of(value)


class CareWorkerAnswer(Vocabulary):
    GIVEN_NOT_RECORDED = "given_not_recorded", "Given, but not recorded (a late entry to follow)"
    NOT_GIVEN = "not_given", "Not given"


class Professional(Vocabulary):
    GP = "gp", "GP"
    PHARMACIST = "pharmacist", "Pharmacist"
    NHS_111 = "nhs_111", "NHS 111"
    OUT_OF_HOURS = "out_of_hours", "Out-of-hours service"
    DISTRICT_NURSE = "district_nurse", "District nurse"
    COMMUNITY_MENTAL_HEALTH_TEAM = "cmht", "Community mental health team"


class Outcome(Vocabulary):
    """What was decided: an alert cannot be resolved without one."""

    GIVEN_NOT_RECORDED = "given_not_recorded", "Given but not recorded: a late entry was made"
    NO_HARM_EXPECTED = "no_harm_expected", "No harm expected"
    GIVE_NOW = "give_now", "Give the dose now"
    SKIP_THIS_DOSE = "skip_this_dose", "Skip this dose"
    MEDICATION_CHANGED = "medication_changed", "Medication changed"
    OBSERVE = "observe", "Observe the person"


class Informed(Vocabulary):
    PERSON = "person", "The person"
    FAMILY = "family", "Family"
    ADVOCATE = "advocate", "Advocate"
