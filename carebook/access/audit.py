"""What the access app writes to the audit log (ADR 0006). The texts are stored: never rename one."""

from __future__ import annotations

from carebook.audit_log.actions import AuditAction, register_actions


@register_actions
class AccessAudit(AuditAction):
    API_TOKEN_CREATED = "api_token.created", "A personal API token was created"
    API_TOKEN_REVOKED = "api_token.revoked", "A personal API token was revoked (it stops working at once)"
    WITNESS_PASSWORD_FAILED = "witness.password_failed", "A wrong password was typed for a witness"
    WITNESS_LOCKED = "witness.locked", "A witness name was locked for a cool-off after wrong passwords"
