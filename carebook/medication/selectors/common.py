"""Small reads shared by the selectors."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from carebook.medication.facts import awaiting_transcription_check, transcription_check_of

__all__ = ["awaiting_transcription_check", "past_window", "transcription_check_of"]


def past_window(now: dt.datetime) -> Q:
    """Due doses whose window closed before ``now``: the window each slot was given by ``rules.window_bounds``."""
    return Q(window_closes_at__lt=now)
