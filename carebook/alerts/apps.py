from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "carebook.alerts"
    label = "alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        from carebook.alerts import jobs  # noqa: F401  (declares the scan: core.jobs registry, ADR 0008)
        from carebook.alerts.views import alerts_home_panel
        from carebook.medication.home_panels import HomePanel, register_home_panel

        register_home_panel(HomePanel(key="alerts", order=10, render=alerts_home_panel))
