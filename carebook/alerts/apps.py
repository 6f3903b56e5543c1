from django.apps import AppConfig


class AlertsConfig(AppConfig):
    # Its jobs.py and subscribers.py are found at start-up (core.apps: autodiscover_modules).
    name = "carebook.alerts"
    label = "alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        from carebook.alerts.views import alerts_home_panel
        from carebook.medication.home_panels import HomePanel, register_home_panel

        register_home_panel(HomePanel(key="alerts", order=10, render=alerts_home_panel))
