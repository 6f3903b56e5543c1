"""manage.py scan_alerts: one scan now, as the worker runs every minute."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from carebook.alerts.services import alerts_scan


class Command(BaseCommand):
    help = "Raise the alerts time has brought (overdue and missed doses) and clear those whose dose was recorded."

    def handle(self, *args: Any, **options: Any) -> None:
        result = alerts_scan()
        self.stdout.write(f"{len(result.raised)} alert(s) raised, {len(result.cleared)} cleared.")
