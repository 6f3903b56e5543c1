"""The alerts app's background jobs (ADR 0008: declared here, scheduled by the registry)."""

from __future__ import annotations

import datetime as dt

from carebook.alerts import notify as _notify  # noqa: F401  (its job alerts.notify and the digest's section)
from carebook.alerts.services import alerts_scan
from carebook.core import clock
from carebook.core.jobs import job
from carebook.core.models import JobStatus

SCAN = "alerts.scan"
# Records written this long before the last scan finished are looked at again: a record whose transaction
# committed after that scan read the table, with its server time before it, is not missed.
SCAN_MARGIN = dt.timedelta(minutes=10)


def scan_written_after(now: dt.datetime) -> dt.datetime | None:
    """Since when the minute's scan looks at new records: its last success, less the margin; None (the whole
    backstop) when it never succeeded. ``detect`` bounds it by its backstop (24 hours) whatever it says."""
    last = JobStatus.objects.filter(name=SCAN).values_list("last_succeeded_at", flat=True).first()
    if last is None:
        return None
    return min(last, now) - SCAN_MARGIN


@job(name=SCAN, every=dt.timedelta(minutes=1))
def scan_alerts() -> int:
    """Raise the alerts time brings (overdue and missed doses) and clear those whose dose was recorded.

    Idempotent; safe when two workers run it at once (a unique key per condition). Returns the alerts raised.
    """
    now = clock.now()
    return len(alerts_scan(now=now, written_after=scan_written_after(now)).raised)
