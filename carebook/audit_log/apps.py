from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class AuditLogConfig(AppConfig):
    name = "carebook.audit_log"
    label = "audit_log"

    def ready(self) -> None:
        # Each app declares its audit actions in its own audit.py (ADR 0006); import them all so
        # the registry is complete wherever record_event or the audit log page runs.
        autodiscover_modules("audit")
