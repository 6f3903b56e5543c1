"""What the notifications app writes to the audit log (ADR 0006). The texts are stored: never rename one."""

from __future__ import annotations

from carebook.audit_log.actions import AuditAction, register_actions


@register_actions
class NotificationsAudit(AuditAction):
    NOTIFICATION_CREATED = "notification.created", "A member of staff was sent a notification"
    NOTIFICATION_READ = "notification.read", "A member of staff marked a notification as read"
    EMAIL_SENT = "notification.email_sent", "A notification's email was handed to the mail server"
    EMAIL_RETRY = "notification.email_retry", "A notification's email could not be sent: it will be tried again"
    EMAIL_FAILED = "notification.email_failed", "A notification's email could not be sent after every retry"
