from django.apps import AppConfig


class MedicationConfig(AppConfig):
    name = "carebook.medication"
    label = "medication"

    def ready(self) -> None:
        from carebook.medication import panels

        panels.register()
