from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "carebook.reports"
    label = "reports"
    verbose_name = "Governance figures"

    def ready(self) -> None:
        from carebook.reports import more_figures  # noqa: F401  (registers the other apps' figures)
