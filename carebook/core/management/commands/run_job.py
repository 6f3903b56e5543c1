"""manage.py run_job NAME: run one background job now, by hand, as the worker would."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from carebook.core.jobs import UnknownJob, get_job, run_job


class Command(BaseCommand):
    help = "Run one background job now (see manage.py jobs for their names). Jobs are safe to run twice."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The job's name, e.g. medication.due_dose_horizon.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            job = get_job(options["name"])
        except UnknownJob as exc:
            raise CommandError(str(exc)) from None
        started = time.monotonic()
        try:
            result = run_job(job.name)
        except Exception as exc:
            raise CommandError(f"{job.name} failed: {type(exc).__name__}: {exc}") from exc
        self.stdout.write(f"{job.name} finished in {time.monotonic() - started:.1f} s: {result!r}")
