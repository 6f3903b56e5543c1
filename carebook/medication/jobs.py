"""The medication app's background jobs (ADR 0008: declared here, scheduled by the registry)."""

from __future__ import annotations

import datetime as dt

from carebook.core.jobs import job
from carebook.medication.services.doses import due_doses_extend_horizon


@job(name="medication.due_dose_horizon", every=dt.timedelta(minutes=15))
def extend_due_dose_horizon() -> int:
    """Generate due doses ahead (CAREBOOK_DUE_DOSE_HORIZON_HOURS) and those missed while the worker was down.

    Idempotent; safe when two workers run it. Returns the number of slots written.
    """
    return due_doses_extend_horizon()
