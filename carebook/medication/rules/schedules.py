"""Schedules: which days and wall-clock times a prescription's doses fall on.

A course (``rules.course``) adds two bounds to a schedule: the instants of its first and last dose. No
slot falls before the first or after the last, whatever the days and times say.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from carebook.core.clock import LONDON, local_wall_time
from carebook.core.errors import ValidationFailed
from carebook.medication.vocab import ScheduleKind


@dataclass(frozen=True)
class Schedule:
    kind: str  # a ScheduleKind
    times: tuple[dt.time, ...]
    start_date: dt.date
    end_date: dt.date | None = None
    days_of_week: frozenset[int] = frozenset()
    interval_days: int | None = None
    # A course's first and last dose (UTC instants, inclusive); None for a prescription that is not a course.
    first_at: dt.datetime | None = None
    last_at: dt.datetime | None = None

    def within_course(self, instant: dt.datetime) -> bool:
        if self.first_at is not None and instant < self.first_at:
            return False
        return self.last_at is None or instant <= self.last_at


def schedule_occurs_on(schedule: Schedule, day: dt.date) -> bool:
    if day < schedule.start_date:
        return False
    if schedule.end_date is not None and day > schedule.end_date:
        return False
    if schedule.kind == ScheduleKind.FIXED_TIMES:
        return True
    if schedule.kind == ScheduleKind.DAYS_OF_WEEK:
        return day.weekday() in schedule.days_of_week
    if schedule.kind == ScheduleKind.EVERY_N_DAYS:
        return schedule.interval_days is not None and (day - schedule.start_date).days % schedule.interval_days == 0
    return False  # PRN has no scheduled doses


@dataclass(frozen=True)
class Slot:
    local_date: dt.date
    local_time: dt.time
    scheduled_at: dt.datetime  # UTC


def scheduled_slots(schedule: Schedule, start: dt.datetime, end: dt.datetime) -> Iterator[Slot]:
    """Every scheduled dose whose instant falls in [start, end). Exactly one per wall time per day."""
    if schedule.kind == ScheduleKind.PRN or not schedule.times:
        return
    if schedule.first_at is not None:
        start = max(start, schedule.first_at)
    if schedule.last_at is not None:
        end = min(end, schedule.last_at + dt.timedelta(microseconds=1))
    if start >= end:
        return
    first_day = start.astimezone(LONDON).date() - dt.timedelta(days=1)
    last_day = end.astimezone(LONDON).date() + dt.timedelta(days=1)
    day = max(first_day, schedule.start_date)
    while day <= last_day:
        if schedule_occurs_on(schedule, day):
            for time in sorted(set(schedule.times)):
                instant = local_wall_time(day, time)
                if start <= instant < end:
                    yield Slot(day, time, instant)
        day += dt.timedelta(days=1)


# How far ahead to look for a schedule's next dose: the longest interval a schedule may have, and a week.
LOOK_AHEAD = dt.timedelta(days=366 + 7)


def slots_from(schedule: Schedule, start: dt.datetime, *, within: dt.timedelta = LOOK_AHEAD) -> Iterator[Slot]:
    """The slots at or after ``start``, in the order of their instants, for at most ``within``.

    (``scheduled_slots`` walks wall times day by day; on the spring-forward day a moved time can come out of
    instant order, so each day's slots are sorted here.)
    """
    end = start + within
    day_start = start
    while day_start < end:
        day_end = min(end, day_start + dt.timedelta(days=14))
        yield from sorted(scheduled_slots(schedule, day_start, day_end), key=lambda slot: slot.scheduled_at)
        day_start = day_end


def next_slot(schedule: Schedule, after: dt.datetime) -> Slot | None:
    """The schedule's first dose strictly after ``after`` (None: the schedule, or its course, has ended)."""
    for slot in slots_from(schedule, after + dt.timedelta(microseconds=1)):
        return slot
    return None


def has_slot(schedule: Schedule, day: dt.date, time: dt.time) -> bool:
    """Whether the schedule gives a dose at this wall time on this day (inside its course, if it is one)."""
    if not schedule_occurs_on(schedule, day) or time not in schedule.times:
        return False
    return schedule.within_course(local_wall_time(day, time))


def parse_times(values: Iterable[str]) -> tuple[dt.time, ...]:
    times: list[dt.time] = []
    for raw in values:
        text = str(raw).strip()
        try:
            if len(text) != 5 or text[2] != ":":
                raise ValueError
            value = dt.time.fromisoformat(text)
        except ValueError:
            raise ValidationFailed(
                f'"{text}" is not a time of day. Use the 24-hour clock, like 08:00.', field="times"
            ) from None
        if value in times:
            raise ValidationFailed(f"{text} is listed twice.", field="times")
        times.append(value)
    return tuple(sorted(times))
