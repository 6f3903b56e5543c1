"""Background jobs run by the django-q2 worker (schedules live in the database; see migration 0002)."""

from __future__ import annotations

from carebook.medication.services.doses import due_doses_extend_horizon


def extend_due_dose_horizon() -> int:
    """Keep due doses generated at least 48 hours ahead. Idempotent; safe when two workers run it."""
    return due_doses_extend_horizon()
