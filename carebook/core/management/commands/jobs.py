"""manage.py jobs: the background jobs declared in code, their schedules, and when each last ran."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from carebook.core import clock
from carebook.core.events import RETRY_JOB, pending_deliveries
from carebook.core.jobs import RUNNER, Job, registered_jobs, schedules_table_exists, sync_schedules
from carebook.core.models import JobStatus


def when(moment: dt.datetime | None) -> str:
    return "never" if moment is None else f"{clock.to_local(moment):%Y-%m-%d %H:%M:%S %Z}"


def every(job: Job) -> str:
    minutes = job.minutes
    if minutes % 1440 == 0:
        return f"every {minutes // 1440} day{'s' if minutes > 1440 else ''}"
    if minutes % 60 == 0:
        return f"every {minutes // 60} hour{'s' if minutes > 60 else ''}"
    return f"every {minutes} minute{'s' if minutes > 1 else ''}"


def last_run(status: JobStatus | None) -> str:
    if status is None or status.last_started_at is None:
        return "never ran"
    finished = status.last_finished_at
    if finished is None or finished < status.last_started_at:
        return f"started {when(status.last_started_at)}, not finished (running, or the worker stopped)"
    took = (finished - status.last_started_at).total_seconds()
    if status.last_ok:
        return f"{when(status.last_started_at)}, succeeded in {took:.1f} s"
    return f"{when(status.last_started_at)}, FAILED after {took:.1f} s: {status.last_error}"


class Command(BaseCommand):
    help = "List the background jobs, their schedules, their next run and when each last ran."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--sync", action="store_true", help="First make the worker's schedules match the jobs declared."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from django_q.models import Schedule

        if options["sync"]:
            self.stdout.write(f"Synced: {sync_schedules()}.")
        schedules: dict[str, Any] = {}
        if schedules_table_exists():
            schedules = {s.name: s for s in Schedule.objects.filter(func=RUNNER)}
        statuses = {s.name: s for s in JobStatus.objects.all()}
        jobs = registered_jobs()
        self.stdout.write(f"{len(jobs)} background job{'s' if len(jobs) != 1 else ''} (run by manage.py qcluster):")
        for job in jobs:
            schedule = schedules.get(job.name)
            if schedule is None:
                next_run = "not scheduled: run manage.py migrate (or manage.py jobs --sync)"
            elif schedule.minutes != job.minutes or schedule.repeats != -1:
                next_run = f"{when(schedule.next_run)}, but the schedule is out of date: run manage.py jobs --sync"
            elif schedule.next_run is not None and schedule.next_run <= clock.now():
                next_run = f"due now ({when(schedule.next_run)}): the worker runs it on its next pass"
            else:
                next_run = when(schedule.next_run)
            self.stdout.write("")
            self.stdout.write(f"{job.name}  {every(job)}")
            self.stdout.write(f"  {job.description}")
            self.stdout.write(f"  next run: {next_run}")
            self.stdout.write(f"  last run: {last_run(statuses.get(job.name))}")
        waiting, oldest = pending_deliveries()
        if waiting:
            self.stdout.write("")
            self.stdout.write(
                f"Event deliveries waiting to be tried again by {RETRY_JOB}: {waiting}, the oldest since "
                f"{when(oldest)} (table core_eventdelivery, last_error says why)"
            )
        undeclared = sorted(set(schedules) - {job.name for job in jobs})
        if undeclared:
            self.stdout.write("")
            self.stdout.write(f"Scheduled but no longer declared (removed at the next sync): {', '.join(undeclared)}")
