from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "carebook.actions"
    label = "actions"
    verbose_name = "Corrective actions"
