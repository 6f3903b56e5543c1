from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    # Its jobs.py is found at start-up (core.apps: autodiscover_modules).
    name = "carebook.notifications"
    label = "notifications"
    verbose_name = "Notifications"
