"""Courses: a course is counted in doses, not in calendar days (ADR 0020).

"Three times a day for 7 days" is 21 doses from the first dose: a course entered at midday ends at midday a
week later, not on the evening of the sixth day.

- **The first dose** is the first slot of the schedule whose dose window is still open when the course starts:
  when it is entered (or its start date, if that is later). Entered at 10:30 with times 08:00, 14:00 and
  20:00, the 08:00 window has closed (09:00), so the first dose is 14:00; entered at 08:30, the 08:00 dose is
  still due and is the first. This is the same moment from which the due doses are generated, so the first
  dose of the count is the first dose on the round.
- **How many doses**: the doses the schedule gives in N days from the first, counted on the wall clock: from
  the first dose's day and time up to (not including) the same day and time N days later. Every day at k times
  gives N × k; on set days of the week or every n days, the doses that fall in those N days. A clock change
  does not change the count: each wall time happens once a day (``clock.local_wall_time``).
- **The last dose** is the last of those doses, in the order of their instants.

A change of a course mid-way continues the count (``course_continued``): the new version gives the doses the
course has left. The doses already spent are the old version's doses whose window has closed, and any
recorded while still in their window. A suspension does not lengthen a course: the doses it held back are
spent.

Pure functions over a ``Schedule`` without its course bounds; no ORM, no clock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from carebook.medication.rules.schedules import Schedule, Slot, scheduled_slots, slots_from

MAX_COURSE_DAYS = 366


@dataclass(frozen=True)
class Course:
    """The doses of a course: how many, and the first and the last."""

    doses: int
    first: Slot
    last: Slot


def unbounded(schedule: Schedule) -> Schedule:
    """The schedule without an end date or course bounds (the counting starts from the days and times only)."""
    return dataclasses.replace(schedule, end_date=None, first_at=None, last_at=None)


def first_dose(schedule: Schedule, *, starts_at: dt.datetime, window: dt.timedelta) -> Slot | None:
    """The first slot whose window (``window`` after its time) is still open at ``starts_at``."""
    for slot in slots_from(unbounded(schedule), starts_at - window):
        return slot
    return None


def _course_from(schedule: Schedule, first: Slot, doses: int) -> Course:
    taken: list[Slot] = []
    for slot in slots_from(unbounded(schedule), first.scheduled_at, within=dt.timedelta(days=10 * MAX_COURSE_DAYS)):
        taken.append(slot)
        if len(taken) == doses:
            break
    return Course(doses=len(taken), first=taken[0], last=taken[-1])


def doses_in_days(schedule: Schedule, first: Slot, days: int) -> int:
    """The doses the schedule gives in ``days`` wall-clock days from ``first`` (that dose included)."""
    end_day = first.local_date + dt.timedelta(days=days)
    count = 0
    # Generous instant bounds; the wall-clock test below decides.
    search_end = first.scheduled_at + dt.timedelta(days=days + 2)
    for slot in scheduled_slots(unbounded(schedule), first.scheduled_at, search_end):
        if (slot.local_date, slot.local_time) < (end_day, first.local_time):
            count += 1
    return count


def course_of_days(schedule: Schedule, *, days: int, starts_at: dt.datetime, window: dt.timedelta) -> Course | None:
    """A course of ``days`` days starting at ``starts_at``, in doses (None: the schedule gives no dose)."""
    first = first_dose(schedule, starts_at=starts_at, window=window)
    if first is None:
        return None
    return _course_from(schedule, first, doses_in_days(schedule, first, days))


def doses_spent(
    course: Schedule, *, at: dt.datetime, window: dt.timedelta, recorded_open: Iterable[dt.datetime]
) -> int:
    """How many of a course version's doses are spent at ``at``: those whose window has closed, and those
    recorded while their window is still open (``recorded_open``: the times those were due).

    ``course`` is the version's schedule with its course bounds.
    """
    closed = sum(1 for _ in scheduled_slots(course, course.first_at or at, at - window))
    still_open = sum(1 for due in recorded_open if due >= at - window and course.within_course(due))
    return closed + still_open


def course_continued(
    schedule: Schedule,
    *,
    remaining: int,
    starts_at: dt.datetime,
    window: dt.timedelta,
    after: dt.datetime | None = None,
) -> Course | None:
    """The rest of a course, on a new version's schedule: ``remaining`` doses from its first open slot
    (strictly after ``after``, the last dose of the old version that was recorded). None: no dose is left."""
    if remaining <= 0:
        return None
    start = starts_at - window
    if after is not None:
        start = max(start, after + dt.timedelta(microseconds=1))
    for first in slots_from(unbounded(schedule), start):
        return _course_from(schedule, first, remaining)
    return None


def bounded(schedule: Schedule, course: Course) -> Schedule:
    """The schedule held to the course: no slot before its first dose or after its last."""
    return dataclasses.replace(schedule, first_at=course.first.scheduled_at, last_at=course.last.scheduled_at)
