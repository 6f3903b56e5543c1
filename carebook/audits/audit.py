"""What the audits app writes to the audit log (ADR 0006). The texts are stored: never rename one."""

from __future__ import annotations

from carebook.audit_log.actions import AuditAction, register_actions


@register_actions
class AuditsAudit(AuditAction):
    TEMPLATE_INSTALLED = "audits.template_installed", "A governance audit template was installed"
    TEMPLATE_VERSIONED = "audits.template_versioned", "A governance audit template was given a new version"
    AUDIT_STARTED = "audits.started", "A governance audit was started"
    AUDIT_ANSWERED = "audits.answered", "A question of a governance audit was answered"
    AUDIT_FINDING_RECORDED = "audits.finding_recorded", "A finding of a governance audit was recorded"
    AUDIT_SIGNED = "audits.signed", "A governance audit was completed and signed"
    AUDIT_ADDENDUM_ADDED = "audits.addendum_added", "An addendum was added to a signed governance audit"
