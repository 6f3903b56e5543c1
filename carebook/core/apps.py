from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "carebook.core"
    label = "core"
