from django.apps import AppConfig


class SubstancesConfig(AppConfig):
    name = "carebook.substances"
    label = "substances"
    verbose_name = "Substances and allergen classes"
