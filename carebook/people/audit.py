"""What the people app writes to the audit log (ADR 0006). The texts are stored: never rename one."""

from __future__ import annotations

from carebook.audit_log.actions import AuditAction, register_actions


@register_actions
class PeopleAudit(AuditAction):
    NHS_NUMBER_CHANGED = "person.nhs_number_changed", "A person's NHS number was corrected by a senior"
    KEY_SAFE_NOTE_SET = "person.key_safe_note_set", "A senior recorded how a care worker gets into a person's home"
    NHS_NUMBER_INVALID_FOUND = (
        "person.nhs_number_invalid_found",
        "A stored NHS number was found not valid when the check was introduced (ADR 0018)",
    )
    ALLERGY_RECORDED = "allergy.recorded", "An allergy or intolerance was recorded for a person"
    ALLERGY_STATUS_RECORDED = "allergy.status_recorded", 'A senior stated a person has "no known allergies"'
    ALLERGY_ENTERED_IN_ERROR = "allergy.entered_in_error", "An allergy record was marked entered in error"
    ALLERGY_REFUTED = "allergy.refuted", "An allergy record was marked refuted (found not to be an allergy)"
