from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "carebook.core"
    label = "core"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from carebook.core.append_only import register_sqlite_function

        # The append-only triggers on SQLite call a function only Django's own connections have (ADR 0005).
        connection_created.connect(register_sqlite_function, dispatch_uid="carebook.append_only.sqlite")
