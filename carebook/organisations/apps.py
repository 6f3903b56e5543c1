from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "carebook.organisations"
    label = "organisations"
