"""What the corrective actions write to the audit log (ADR 0006). The texts are stored: never rename one."""

from __future__ import annotations

from carebook.audit_log.actions import AuditAction, register_actions


@register_actions
class ActionsAudit(AuditAction):
    ACTION_ADDED = "corrective_action.added", "A corrective action was set, with its owner and due date"
    ACTION_COMPLETED = "corrective_action.completed", "A corrective action was completed"
    ACTION_OVERDUE = "corrective_action.overdue", "A corrective action became overdue: its owner was told"
