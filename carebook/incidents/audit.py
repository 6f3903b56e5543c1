"""What the incidents app writes to the audit log (ADR 0006). The texts are stored: never rename one."""

from __future__ import annotations

from carebook.audit_log.actions import AuditAction, register_actions


@register_actions
class IncidentsAudit(AuditAction):
    INCIDENT_REPORTED = "incident.reported", "A medication incident was reported"
    INCIDENT_NOTICE_RECORDED = "incident.notice_recorded", "Who was told about an incident, and when"
    INCIDENT_CQC_NOTIFIED = "incident.cqc_notified", "The CQC notification of an incident was recorded"
    INCIDENT_CANDOUR_RECORDED = "incident.candour_recorded", "The duty of candour for an incident was recorded"
    INCIDENT_FINDING_RECORDED = "incident.finding_recorded", "An investigation finding was recorded"
    INCIDENT_REVIEW_STARTED = "incident.review_started", "An incident went under review"
    INCIDENT_SIGNED_OFF = "incident.signed_off", "The registered manager signed an incident off: closed"
