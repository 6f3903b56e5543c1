from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "carebook.reports"
    label = "reports"
    verbose_name = "Governance figures"

    def ready(self) -> None:
        from carebook.core.append_only import allow_other_triggers
        from carebook.reports import more_figures  # noqa: F401  (registers the other apps' figures)
        from carebook.reports.triggers import TABLE_TRIGGERS

        for table, names in TABLE_TRIGGERS.items():  # the rollups' change log (ADR 0033)
            allow_other_triggers(table, names)
