"""Background jobs, declared in code with their schedules (ADR 0008).

Each app declares its jobs in its own ``jobs.py``::

    @job(name="medication.due_dose_horizon", every=dt.timedelta(minutes=15))
    def extend_due_dose_horizon() -> int:
        \"\"\"Keep due doses generated ahead.\"\"\"

``CoreConfig.ready`` imports every app's ``jobs.py``, so the registry is complete in the web
process, the worker and management commands. ``sync_schedules`` makes django-q2's ``Schedule``
rows match the registry (create, change the interval, remove what is no longer declared); it
runs after every ``manage.py migrate`` (``post_migrate``), which ``make run`` and every deploy
run before starting the worker, and on ``manage.py jobs --sync``. The worker (``manage.py
qcluster``) then runs each job through ``run_job``, which keeps when it last ran, and how it
ended, in ``JobStatus`` (django-q2 prunes its own Success table beyond ``save_limit``).

A job must be idempotent and safe when two workers run it at once: a schedule can fire twice
(a slow run, a restart, two clusters), and ``manage.py run_job`` runs one by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from carebook.core import clock

RUNNER = "carebook.core.jobs.run_job"  # what every registered schedule calls, with the job's name
MAX_MINUTES = 32767  # django-q2's Schedule.minutes is a PositiveSmallIntegerField

F = TypeVar("F", bound=Callable[[], Any])


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[], Any]
    every: dt.timedelta
    description: str

    @property
    def minutes(self) -> int:
        return int(self.every.total_seconds() // 60)


class UnknownJob(LookupError):
    pass


_REGISTRY: dict[str, Job] = {}


def job(*, name: str, every: dt.timedelta, description: str = "") -> Callable[[F], F]:
    """Declare a background job and how often the worker runs it (a whole number of minutes).

    The function takes no arguments. ``description`` defaults to its docstring's first line.
    The function is returned unchanged: calling it directly (a test, the seed) does not record a run.
    """

    def register(func: F) -> F:
        register_job(Job(name=name, func=func, every=every, description=description or _first_line(func.__doc__)))
        return func

    return register


def register_job(entry: Job) -> None:
    seconds = entry.every.total_seconds()
    if seconds % 60 or not 1 <= seconds // 60 <= MAX_MINUTES:
        raise ValueError(f"Job {entry.name}: 'every' must be a whole number of minutes, 1 to {MAX_MINUTES}")
    if not entry.name or len(entry.name) > 100:
        raise ValueError("A job needs a name of at most 100 characters (it names its schedule)")
    if not entry.description:
        raise ValueError(f"Job {entry.name}: describe it (a docstring or description=...)")
    existing = _REGISTRY.get(entry.name)
    if existing is not None and existing.func is not entry.func:
        raise ValueError(f"Two jobs are named {entry.name!r}")
    _REGISTRY[entry.name] = entry


def unregister_job(name: str) -> None:
    """Forget a job (for tests that declare their own)."""
    _REGISTRY.pop(name, None)


def registered_jobs() -> list[Job]:
    return [_REGISTRY[name] for name in sorted(_REGISTRY)]


def get_job(name: str) -> Job:
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise UnknownJob(f"No job is named {name!r}. Jobs: {known}.") from None


def run_job(name: str) -> Any:
    """Run one registered job and keep when it ran and how it ended. What the worker calls.

    A failure is recorded and raised again, so django-q2 also records it as a failed task.
    """
    from carebook.core.models import JobStatus

    entry = get_job(name)
    JobStatus.objects.update_or_create(name=name, defaults={"last_started_at": clock.now()})
    try:
        result = entry.func()
    except Exception as exc:
        now = clock.now()
        JobStatus.objects.filter(name=name).update(
            last_finished_at=now, last_failed_at=now, last_ok=False, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    now = clock.now()
    JobStatus.objects.filter(name=name).update(
        last_finished_at=now, last_succeeded_at=now, last_ok=True, last_error="", last_result=repr(result)[:200]
    )
    return result


@dataclass(frozen=True)
class SyncReport:
    created: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.removed)

    def __str__(self) -> str:
        parts = [f"{label} {', '.join(names)}" for label, names in self._parts() if names]
        return "; ".join(parts) or "schedules already match the jobs declared"

    def _parts(self) -> list[tuple[str, tuple[str, ...]]]:
        return [("created", self.created), ("updated", self.updated), ("removed", self.removed)]


def _wanted(entry: Job) -> dict[str, Any]:
    from django_q.models import Schedule

    return {
        "func": RUNNER,
        "args": repr(entry.name),
        "kwargs": None,
        "hook": None,
        "schedule_type": Schedule.MINUTES,
        "minutes": entry.minutes,
        "repeats": -1,
        "cluster": None,
        "intended_date_kwarg": None,
    }


def sync_schedules(*, using: str = DEFAULT_DB_ALIAS) -> SyncReport:
    """Make django-q2's schedules match the registered jobs. Idempotent; safe to run twice.

    Only schedules that call ``RUNNER`` are ours: one per job, named after it. A new job is
    due at once (the worker runs it on its next pass); a changed interval moves the next run no
    later than one new interval from now; a job no longer declared loses its schedule.
    """
    from django_q.models import Schedule

    now = clock.now()
    created: list[str] = []
    updated: list[str] = []
    removed: list[str] = []
    with transaction.atomic(using=using):
        ours = Schedule.objects.using(using).select_for_update(of=("self",)).filter(func=RUNNER).order_by("pk")
        kept: dict[str, Schedule] = {}
        for schedule in ours:
            if schedule.name in _REGISTRY and schedule.name not in kept:
                kept[schedule.name] = schedule
            else:
                removed.append(schedule.name or str(schedule.pk))
                schedule.delete()
        for entry in registered_jobs():
            wanted = _wanted(entry)
            schedule = kept.get(entry.name)
            if schedule is None:
                Schedule.objects.using(using).create(name=entry.name, next_run=now, **wanted)
                created.append(entry.name)
                continue
            changes = {field: value for field, value in wanted.items() if getattr(schedule, field) != value}
            if not changes:
                continue
            if "minutes" in changes or schedule.next_run is None:
                soonest = now + entry.every
                schedule.next_run = soonest if schedule.next_run is None else min(schedule.next_run, soonest)
            for field, value in changes.items():
                setattr(schedule, field, value)
            schedule.save(using=using)
            updated.append(entry.name)
    return SyncReport(tuple(created), tuple(updated), tuple(removed))


def schedules_table_exists(using: str = DEFAULT_DB_ALIAS) -> bool:
    from django_q.models import Schedule

    return Schedule._meta.db_table in connections[using].introspection.table_names()


def sync_after_migrate(*, using: str = DEFAULT_DB_ALIAS, verbosity: int = 1, **_: Any) -> None:
    """``post_migrate`` receiver: the worker started after ``migrate`` finds every job scheduled."""
    if not schedules_table_exists(using):
        return  # django_q migrated away (or not yet): nothing to schedule into
    report = sync_schedules(using=using)
    if report.changed and verbosity >= 1:
        print(f"  Background jobs: {report}")


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().split("\n", 1)[0].strip()
