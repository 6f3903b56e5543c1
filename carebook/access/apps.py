from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "carebook.access"
    label = "access"
