"""Small reads shared by the selectors: whether a prescription had its transcription check, and overdue doses."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q

from carebook.medication import rules
from carebook.medication.models import Prescription, TranscriptionCheck


def transcription_check_of(prescription: Prescription) -> TranscriptionCheck | None:
    """The prescription's transcription check, or None.

    No query when the caller joined it (``select_related(..."transcription_check")``), as every selector does.
    """
    try:
        return prescription.transcription_check
    except ObjectDoesNotExist:
        return None


def awaiting_transcription_check(prescription: Prescription) -> bool:
    """Its entry needs a second person's check and has not had it: no dose may be given yet."""
    return prescription.transcription_check_required and transcription_check_of(prescription) is None


def past_window(now: dt.datetime) -> Q:
    """Due doses whose window closed before ``now`` (``rules.dose_window``: tighter for time-critical medicines)."""
    return Q(prescription__medicine__time_critical=True, scheduled_at__lt=now - rules.dose_window(True)) | Q(
        prescription__medicine__time_critical=False, scheduled_at__lt=now - rules.dose_window(False)
    )
