"""Schedules: which days and wall-clock times a prescription's doses fall on."""

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
