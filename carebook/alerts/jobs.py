"""The alerts app's background jobs (ADR 0008: declared here, scheduled by the registry)."""

from __future__ import annotations

import datetime as dt

from carebook.alerts import notify as _notify  # noqa: F401  (its job alerts.notify and the digest's section)
from carebook.alerts.services import alerts_scan
from carebook.core.jobs import job


@job(name="alerts.scan", every=dt.timedelta(minutes=1))
def scan_alerts() -> int:
    """Raise the alerts time brings (overdue and missed doses, refused doses not offered again, transcription checks
    outstanding) and, as the backstop of their events, the kinds raised from records (ADR 0026); clear those whose
    condition cleared.

    Idempotent; safe when two workers run it at once (a unique key per condition). Returns the alerts raised.
    """
    return len(alerts_scan().raised)
