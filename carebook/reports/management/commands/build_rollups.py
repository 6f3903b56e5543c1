"""manage.py build_rollups: bring the dose figures' daily rollups up to date now (the job does it every 10 min)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from carebook.reports.rollups import build_rollups


class Command(BaseCommand):
    help = "Drop the rollups of days whose records changed and build those of the days that have settled."

    def handle(self, *args: Any, **options: Any) -> None:
        written = build_rollups()
        self.stdout.write(f"Built {written} daily rollups.")
