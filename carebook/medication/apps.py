from django.apps import AppConfig


class MedicationConfig(AppConfig):
    name = "carebook.medication"
    label = "medication"
