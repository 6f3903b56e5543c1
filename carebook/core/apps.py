from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "carebook.core"
    label = "core"

    def ready(self) -> None:
        from carebook.core import checks  # noqa: F401 (registers the deployment checks)
