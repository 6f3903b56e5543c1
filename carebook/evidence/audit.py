"""What the evidence app writes to the audit log (ADR 0006). The texts are stored: never rename one."""

from __future__ import annotations

from carebook.audit_log.actions import AuditAction, register_actions


@register_actions
class EvidenceAudit(AuditAction):
    PACK_REQUESTED = "evidence.pack_requested", "An evidence pack was asked for"
    PACK_BUILT = "evidence.pack_built", "An evidence pack was built"
    PACK_FAILED = "evidence.pack_failed", "An evidence pack could not be built"
    PACK_DOWNLOADED = "evidence.pack_downloaded", "An evidence pack was downloaded"
