from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    # Its jobs.py is found at start-up (core.apps: autodiscover_modules).
    name = "carebook.incidents"
    label = "incidents"
    verbose_name = "Medication incidents"

    def ready(self) -> None:
        from carebook.incidents.views import incidents_home_panel
        from carebook.medication.home_panels import HomePanel, register_home_panel

        register_home_panel(HomePanel(key="incidents", order=20, render=incidents_home_panel))
