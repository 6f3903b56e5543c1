from django.apps import AppConfig


class AuditsConfig(AppConfig):
    name = "carebook.audits"
    label = "audits"
    verbose_name = "Governance audits"

    def ready(self) -> None:
        # "Audits completed on time" on the governance dashboard, the API, the CSV and docs/figures.md, and the
        # team leader's and manager's home panel of audits due and overdue.
        from carebook.audits import figures  # noqa: F401
        from carebook.audits.views import audits_home_panel
        from carebook.medication.home_panels import HomePanel, register_home_panel

        register_home_panel(HomePanel(key="audits", order=25, render=audits_home_panel))
