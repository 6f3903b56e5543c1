from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data: the Oakfield Care Group organisation (``manage.py seed_demo``). No models."""

    name = "carebook.demo"
    label = "demo"
    verbose_name = "Demo data"
