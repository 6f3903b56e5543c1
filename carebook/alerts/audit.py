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
    ALERT_ESCALATED = "alert.escalated", "Nobody acknowledged an alert in time: it went to the next role up"
    ALERT_ACKNOWLEDGED = "alert.acknowledged", "A member of staff took an alert on"
    ALERT_ACTION_RECORDED = "alert.action_recorded", "A step taken on an alert was recorded"
    ALERT_RESOLVED = "alert.resolved", "An alert was resolved, with its outcome"
    ALERT_RECORD_ADDED = "alert.record_added", "A later record joined an alert of the same condition"
    THRESHOLDS_CHANGED = "alert.thresholds_changed", "A location's or a prescription's alert thresholds changed"
