"""What the alerts app writes to the audit log (ADR 0006). The texts are stored: never rename one."""

from __future__ import annotations

from carebook.audit_log.actions import AuditAction, register_actions


@register_actions
class AlertsAudit(AuditAction):
    ALERT_RAISED = "alert.raised", "The system raised an alert"
    ALERT_SUPERSEDED = (
        "alert.superseded",
        "An alert was carried on by a more serious one (an overdue dose became missed)",
    )
    ALERT_CLEARED = "alert.cleared", "An alert's condition cleared by itself (the dose was recorded)"
