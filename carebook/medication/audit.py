"""What the medication app writes to the audit log (ADR 0006). The texts are stored: never rename one."""

from __future__ import annotations

from carebook.audit_log.actions import AuditAction, register_actions


@register_actions
class MedicationAudit(AuditAction):
    PRESCRIPTION_CREATED = "prescription.created", "A prescription was entered, or a new version replaced one"
    PRESCRIPTION_SUPERSEDED = "prescription.superseded", "A prescription was replaced by a new version"
    PRESCRIPTION_TRANSCRIPTION_CHECKED = (
        "prescription.transcription_checked",
        "A second member of staff checked a prescription against its source",
    )
    PRESCRIPTION_TRANSCRIPTION_SENT_BACK = (
        "prescription.transcription_sent_back",
        "The checker queried or rejected a prescription's entry and sent it back to the person who entered it",
    )
    DOSING_INSTRUCTION_ENTERED = (
        "dosing_instruction.entered",
        "The anticoagulant clinic's dosing instructions (INR, next test, the dose of each day) were entered",
    )
    DOSING_INSTRUCTION_CHECKED = (
        "dosing_instruction.checked",
        "A second member of staff checked dosing instructions against the clinic's letter",
    )
    LOCATION_MEDICINE_SETTINGS_SET = (
        "location.medicine_settings_set",
        "A registered manager set how a location keeps its MAR (the pharmacy's cycle, or by calendar month)",
    )
    VISIT_PLANNED = "visit.planned", "A home-care visit was put on a care worker's run"
    VISIT_CLOSED = "visit.closed", "A home-care visit was closed, every medicine due in it with an outcome"
    PRESCRIPTION_SUSPENDED = "prescription.suspended", "A prescription was put on hold"
    PRESCRIPTION_RESUMED = "prescription.resumed", "A prescription on hold was started again"
    PRESCRIPTION_DISCONTINUED = "prescription.discontinued", "A prescription was stopped"
    DUE_DOSES_WITHDRAWN = (
        "due_doses.withdrawn",
        "Doses not yet given were withdrawn: their prescription was stopped, changed or put on hold",
    )
    ADMINISTRATION_RECORDED = "administration.recorded", "A dose was recorded, given or not given"
    ADMINISTRATION_ENTERED_IN_ERROR = "administration.entered_in_error", "A dose record was marked entered in error"
    PROMPTS_SHOWN = "prompts.shown", "The safety prompts before a dose were shown to a member of staff"
    PRN_FOLLOW_UP_RECORDED = "prn_follow_up.recorded", "The effect of a when-required dose was recorded"
    LATE_DOSE_DECIDED = (
        "late_dose.decided",
        "A dose given late, too close to the next: what was decided for the next dose, by whom and why",
    )
    DUE_DOSE_MOVED = "due_dose.moved", "A due dose was moved later (a new slot in its place) after a late dose"
    PRESCRIPTION_ALLERGY_DECIDED = (
        "prescription.allergy_decided",
        "A senior decided, with the reason, to go on with a prescription that matches one of the person's allergies",
    )
