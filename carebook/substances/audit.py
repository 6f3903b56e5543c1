"""What the substances app writes to the audit log (ADR 0006). The texts are stored: never rename one."""

from __future__ import annotations

from carebook.audit_log.actions import AuditAction, register_actions


@register_actions
class SubstancesAudit(AuditAction):
    REFERENCE_LOADED = (
        "substances.reference_loaded",
        "The substances and allergen classes table was loaded or changed from the curated data (ADR 0024)",
    )
