"""The governance figures' pure parts: what a figure is (its written definition), periods of local dates and their
edges, weekly buckets, medians and the direction of a change. No Django, no data access (plain values in and out).

A period is ``[start, end)`` of Europe/London dates: it starts at local midnight of ``start`` and ends at local
midnight of ``end`` (``carebook.core.clock.local_wall_time``), so a day of the October clock change is 25 hours long
and one of March 23: a dose is in the period by its date on the MAR, a record by the local date of its time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from carebook.core.clock import local_wall_time
from carebook.core.errors import ValidationFailed

DEFAULT_DAYS = 28
MAX_DAYS = 366  # a year (and a leap day): longer is refused (422), the page and the API alike
WEEK = dt.timedelta(days=7)
DAY = dt.timedelta(days=1)


class Unit(StrEnum):
    PERCENT = "percent"
    COUNT = "count"
    MINUTES = "minutes"


class Direction(StrEnum):
    BETTER = "better"
    WORSE = "worse"
    SAME = "same"
    UNKNOWN = "unknown"  # one side has no value (no doses due, no alerts acknowledged)


@dataclass(frozen=True)
class FigureDefinition:
    """The one written definition of a figure, shown beside it on the page, in the API, the CSV and docs/figures.md."""

    key: str
    name: str
    counts: str  # what counts
    excluded: str  # what is left out
    unit: Unit
    higher_is_better: bool
    main: bool = True  # drawn as a weekly trend on the dashboard


@dataclass(frozen=True)
class Period:
    """``[start, end)`` of local dates."""

    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last_day(self) -> dt.date:
        return self.end - DAY

    @property
    def starts_at(self) -> dt.datetime:
        """Local midnight of the first day, in UTC."""
        return local_wall_time(self.start, dt.time(0, 0))

    @property
    def ends_at(self) -> dt.datetime:
        """Local midnight after the last day, in UTC (not in the period)."""
        return local_wall_time(self.end, dt.time(0, 0))

    def label(self) -> str:
        return f"{self.start:%-d %b %Y} to {self.last_day:%-d %b %Y}"


@dataclass(frozen=True)
class Periods:
    chosen: Period
    previous: Period
    baseline: Period


def date_runs(dates: Iterable[dt.date]) -> list[Period]:
    """Dates as the fewest periods of consecutive days, in order (a query asks for each run as one range)."""
    runs: list[list[dt.date]] = []
    for day in sorted(set(dates)):
        if runs and runs[-1][1] == day:
            runs[-1][1] = day + DAY
        else:
            runs.append([day, day + DAY])
    return [Period(a, b) for a, b in runs]


def period(start: dt.date, last_day: dt.date, *, field_from: str = "from", field_to: str = "to") -> Period:
    """The period from ``start`` to ``last_day`` included: refused (with its field) if backwards or too long."""
    if last_day < start:
        raise ValidationFailed("The period must end on or after the day it starts.", field=field_to)
    chosen = Period(start, last_day + DAY)
    if chosen.days > MAX_DAYS:
        raise ValidationFailed(f"A period may be at most {MAX_DAYS} days long.", field=field_from)
    return chosen


def default_period(today: dt.date) -> Period:
    """The last 28 whole days, ending yesterday (today's doses are not all due yet)."""
    return Period(today - DEFAULT_DAYS * DAY, today)


def periods_for(chosen: Period, baseline: Period | None = None) -> Periods:
    """The chosen period, the one of the same length just before it, and a baseline: as chosen, or the period of
    the same length before the previous."""
    length = chosen.days * DAY
    previous = Period(chosen.start - length, chosen.start)
    return Periods(chosen, previous, baseline or Period(previous.start - length, previous.start))


def week_starts(p: Period) -> list[dt.date]:
    """The first day of each week of the period, counted from its start (the last week may be shorter)."""
    weeks: list[dt.date] = []
    day = p.start
    while day < p.end:
        weeks.append(day)
        day += WEEK
    return weeks


def week_of(p: Period, day: dt.date) -> dt.date:
    """The first day of the week of the period that ``day`` falls in."""
    return p.start + ((day - p.start).days // 7) * WEEK


def rate(numerator: int, denominator: int) -> float | None:
    """A percentage to one decimal place; none of nothing."""
    if denominator == 0:
        return None
    return round(100 * numerator / denominator, 1)


def median(values: Iterable[float]) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    value = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return round(value, 1)


def direction(current: float | None, other: float | None, *, higher_is_better: bool) -> Direction:
    """Whether ``current`` is better than ``other``, worse, or the same (a figure without a value: unknown)."""
    if current is None or other is None:
        return Direction.UNKNOWN
    if current == other:
        return Direction.SAME
    return Direction.BETTER if (current > other) == higher_is_better else Direction.WORSE


@dataclass(frozen=True)
class WeekValue:
    start: dt.date
    value: float | None
    numerator: int | None = None
    denominator: int | None = None


@dataclass(frozen=True)
class FigureValue:
    """A figure for one period: its value; a rate's numerator and denominator; a count's parts (by type...); and
    its value week by week."""

    value: float | None
    numerator: int | None = None
    denominator: int | None = None
    parts: dict[str, dict[str, int]] = field(default_factory=dict)
    weeks: Sequence[WeekValue] = ()


def counts_by_week(p: Period, per_day: Iterable[tuple[dt.date, int]]) -> list[WeekValue]:
    """Daily counts (from a GROUP BY) summed into the period's weeks (every week listed, none left out)."""
    totals = dict.fromkeys(week_starts(p), 0)
    for day, count in per_day:
        if p.start <= day < p.end:
            totals[week_of(p, day)] += count
    return [WeekValue(start, float(total)) for start, total in totals.items()]


def rates_by_week(p: Period, per_day: Iterable[tuple[dt.date, int, int]]) -> list[WeekValue]:
    """Daily numerators and denominators summed into weeks, each week's rate from its own sums."""
    sums = {start: [0, 0] for start in week_starts(p)}
    for day, numerator, denominator in per_day:
        if p.start <= day < p.end:
            bucket = sums[week_of(p, day)]
            bucket[0] += numerator
            bucket[1] += denominator
    return [WeekValue(start, rate(n, d), n, d) for start, (n, d) in sums.items()]


def medians_by_week(p: Period, per_day: Iterable[tuple[dt.date, float]]) -> list[WeekValue]:
    values: dict[dt.date, list[float]] = {start: [] for start in week_starts(p)}
    for day, minutes in per_day:
        if p.start <= day < p.end:
            values[week_of(p, day)].append(minutes)
    return [WeekValue(start, median(v), None, len(v)) for start, v in values.items()]


def _date(raw: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationFailed("Enter a date as YYYY-MM-DD.", field=name) from None


def periods_from(
    *, today: dt.date, start: str = "", last_day: str = "", baseline_start: str = "", baseline_last_day: str = ""
) -> Periods:
    """The periods asked for (``from``/``to`` the chosen period's first and last days, both included; the
    baseline's likewise), with the defaults for those not given: each bad date or range refused with its field."""
    default = default_period(today)
    if start or last_day:
        first = _date(start, "from") if start else None
        last = _date(last_day, "to") if last_day else default.last_day
        if first is None:
            first = last - (DEFAULT_DAYS - 1) * DAY
        chosen = period(first, last)
    else:
        chosen = default
    baseline = None
    if baseline_start or baseline_last_day:
        if not (baseline_start and baseline_last_day):
            missing = "baseline_to" if baseline_start else "baseline_from"
            raise ValidationFailed("Give the baseline's first and last days.", field=missing)
        baseline = period(
            _date(baseline_start, "baseline_from"),
            _date(baseline_last_day, "baseline_to"),
            field_from="baseline_from",
            field_to="baseline_to",
        )
    return periods_for(chosen, baseline)


def show(value: float | None, unit: Unit) -> str:
    """A figure's value in words: a percentage with its sign, minutes and counts as numbers; none as "none"."""
    if value is None:
        return "none"
    text = f"{value:g}"
    return {Unit.PERCENT: f"{text}%", Unit.MINUTES: f"{text} min"}.get(unit, text)
