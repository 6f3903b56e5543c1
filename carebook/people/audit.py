"""What the people app writes to the audit log (ADR 0006). The texts are stored: never rename one."""

from __future__ import annotations

from carebook.audit_log.actions import AuditAction, register_actions


@register_actions
class PeopleAudit(AuditAction):
    NHS_NUMBER_CHANGED = "person.nhs_number_changed", "A person's NHS number was corrected by a senior"
    NHS_NUMBER_INVALID_FOUND = (
        "person.nhs_number_invalid_found",
        "A stored NHS number was found not valid when the check was introduced (ADR 0018)",
    )
