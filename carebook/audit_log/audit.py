"""What the audit log app itself writes to the audit log (ADR 0006). The texts are stored: never rename one."""

from __future__ import annotations

from carebook.audit_log.actions import AuditAction, register_actions


@register_actions
class AuditLogAudit(AuditAction):
    APPEND_ONLY_UNLOCKED = (
        "maintenance.append_only_unlocked",
        "A maintenance job unlocked the append-only clinical tables for one transaction (ADR 0005)",
    )
