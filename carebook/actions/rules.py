"""The rules of a corrective action, pure (no Django): when one is overdue, and what adding or completing needs.

"Overdue" is written here once. An action is due on its day: still open at the end of its due day, it is overdue
from the next day (the home's local date). A completed action is never overdue, however late it was done. The
selectors' query (``selectors.overdue_q``) says the same thing in SQL, and a test holds the two together.
"""

from __future__ import annotations

import datetime as dt

from carebook.core.errors import ValidationFailed

# How far ahead a due date may be set: a year is long enough for any training course or supervision cycle.
LONGEST_AHEAD = dt.timedelta(days=366)


def is_overdue(*, due_on: dt.date, completed: bool, today: dt.date) -> bool:
    """Open after its due day has ended."""
    return not completed and today > due_on


def days_overdue(*, due_on: dt.date, completed: bool, today: dt.date) -> int:
    return (today - due_on).days if is_overdue(due_on=due_on, completed=completed, today=today) else 0


def check_add(*, what: str, due_on: dt.date | None, today: dt.date) -> None:
    if not what.strip():
        raise ValidationFailed("Say what is to be done.", field="what")
    if due_on is None:
        raise ValidationFailed("Enter the date it is due by.", field="due_on")
    if due_on < today:
        raise ValidationFailed("The due date cannot be in the past.", field="due_on")
    if due_on > today + LONGEST_AHEAD:
        raise ValidationFailed("The due date must be within a year.", field="due_on")


def check_complete(*, note: str) -> None:
    if not note.strip():
        raise ValidationFailed("Say what was done to complete it.", field="note")
