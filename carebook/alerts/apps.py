from django.apps import AppConfig


class AlertsConfig(AppConfig):
    # Its jobs.py and subscribers.py are found at start-up (core.apps: autodiscover_modules).
    name = "carebook.alerts"
    label = "alerts"
    verbose_name = "Alerts"
