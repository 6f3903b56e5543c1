from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "carebook.alerts"
    label = "alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        from carebook.alerts import jobs  # noqa: F401  (declares the scan: core.jobs registry, ADR 0008)
