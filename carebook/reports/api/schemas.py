from __future__ import annotations

from ninja import Schema


class WeekOut(Schema):
    start: str
    value: float | None
    numerator: int | None
    denominator: int | None


class ValueOut(Schema):
    value: float | None
    numerator: int | None = None
    denominator: int | None = None
    parts: dict[str, dict[str, int]]
    weeks: list[WeekOut]


class FigureOut(Schema):
    key: str
    name: str
    counts: str
    excluded: str
    unit: str
    higher_is_better: bool
    chosen: ValueOut
    previous: ValueOut
    baseline: ValueOut
    vs_previous: str
    vs_baseline: str


class LocationOut(Schema):
    id: str
    name: str


class KpisOut(Schema):
    locations: list[LocationOut]
    period: dict[str, str]
    previous_period: dict[str, str]
    baseline_period: dict[str, str]
    figures: list[FigureOut]
