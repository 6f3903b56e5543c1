"""The rollups' job (ADR 0008, 0033): consume the change log, build the rollups of the days that have settled."""

from __future__ import annotations

import datetime as dt

from carebook.core.jobs import job
from carebook.reports.rollups import build_rollups


@job(name="reports.rollups", every=dt.timedelta(minutes=10))
def rollups() -> int:
    """Keep the dose figures' daily rollups: drop those of days whose records changed, build those of settled days."""
    return build_rollups()
