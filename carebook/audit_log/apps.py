from django.apps import AppConfig


class AuditLogConfig(AppConfig):
    name = "carebook.audit_log"
    label = "audit_log"
