from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    name = "carebook.core"
    label = "core"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from carebook.core.append_only import register_sqlite_function

        # The append-only triggers on SQLite call a function only Django's own connections have (ADR 0005).
        connection_created.connect(register_sqlite_function, dispatch_uid="carebook.append_only.sqlite")
        # Each app declares its background jobs in jobs.py (ADR 0008), its announced events in
        # events.py and what it does when it hears one in subscribers.py (ADR 0007).
        autodiscover_modules("jobs", "events", "subscribers")
        # After every migrate (make run, a deploy), the schedules match the jobs declared.
        post_migrate.connect(_sync_jobs, sender=self, dispatch_uid="carebook.core.jobs.sync")
        from carebook.core import checks  # noqa: F401 (registers the deployment checks)


def _sync_jobs(sender: AppConfig, using: str = "default", verbosity: int = 1, **kwargs: object) -> None:
    from carebook.core.jobs import sync_after_migrate

    sync_after_migrate(using=using, verbosity=verbosity)
