"""A prescription's lifecycle: which of its statuses allow each change."""

from __future__ import annotations

from enum import StrEnum

from carebook.medication.vocab import PrescriptionStatus

_OPEN = frozenset({PrescriptionStatus.ACTIVE, PrescriptionStatus.SUSPENDED})


class Change(StrEnum):
    CHANGE = "change"  # a new version replaces it
    CHECK_TRANSCRIPTION = "check_transcription"
    SEND_BACK = "send_back"  # the checker queries or rejects the entry
    SUSPEND = "suspend"
    RESUME = "resume"
    DISCONTINUE = "discontinue"


ALLOWED_FROM: dict[Change, frozenset[str]] = {
    Change.CHANGE: _OPEN,
    Change.CHECK_TRANSCRIPTION: _OPEN,
    Change.SEND_BACK: _OPEN,
    Change.SUSPEND: frozenset({PrescriptionStatus.ACTIVE}),
    Change.RESUME: frozenset({PrescriptionStatus.SUSPENDED}),
    Change.DISCONTINUE: _OPEN,
}
OPEN_STATUSES = _OPEN


def statuses_allowing(change: str) -> frozenset[str]:
    return ALLOWED_FROM[Change(change)]


def lifecycle_allows(change: str, status: str) -> bool:
    return status in statuses_allowing(change)
