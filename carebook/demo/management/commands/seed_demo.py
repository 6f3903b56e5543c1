"""manage.py seed_demo: seed the Oakfield Care Group demo organisation into an empty database."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from carebook.demo.seed import FULL, seed_demo, sign_in_lines


class Command(BaseCommand):
    help = "Seed the demo organisation (a care home, a home-care branch, staff, people, a week of rounds) if empty."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        result = seed_demo(FULL, out=self.stdout.write)
        if result is None:
            self.stdout.write("Demo data: already seeded (the database has a provider), nothing to do.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Seeded {result.provider.name}: {result.people} people, {result.prescriptions} prescriptions "
                    f"({result.awaiting_check} awaiting a transcription check), {result.administrations} "
                    f"administrations, in {time.perf_counter() - started:.0f} s."
                )
            )
        for line in sign_in_lines():
            self.stdout.write(line)
