"""A course is counted in doses, not in calendar days (rules.course, ADR 0020)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carebook.core.clock import LONDON, local_wall_time
from carebook.medication import rules

T = dt.time
HOUR = dt.timedelta(hours=1)


def schedule(*times: dt.time, kind: str = "fixed_times", start: dt.date = dt.date(2026, 6, 1), **kw) -> rules.Schedule:
    return rules.Schedule(kind=kind, times=times, start_date=start, **kw)


def london(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return local_wall_time(day, T(hh, mm))


def when(slot: rules.Slot) -> str:
    return f"{slot.scheduled_at.astimezone(LONDON):%a %d %H:%M}"


TDS = schedule(T(8), T(14), T(20))
JUNE_1 = dt.date(2026, 6, 1)  # a Monday


def test_three_times_a_day_for_seven_days_is_21_doses_and_a_course_begun_at_midday_ends_at_midday():
    # Entered at 12:30 on Monday: 08:00 has gone, 14:00 is the first dose; the last is 08:00 the next Monday.
    course = rules.course_of_days(TDS, days=7, starts_at=london(JUNE_1, 12, 30), window=HOUR)
    assert course is not None and course.doses == 21
    assert when(course.first) == "Mon 01 14:00"
    assert when(course.last) == "Mon 08 08:00"


def test_the_old_calendar_count_would_have_cut_that_course_short_by_a_dose():
    # What `end_date = start + days - 1` gave: Monday 14:00 to Sunday 20:00.
    cut = schedule(T(8), T(14), T(20), end_date=JUNE_1 + dt.timedelta(days=6))
    old = list(rules.scheduled_slots(cut, london(JUNE_1, 12, 30), london(JUNE_1 + dt.timedelta(days=10), 0)))
    assert len(old) == 20  # the 21st, Monday 08:00, was never due


@pytest.mark.parametrize(
    ("entered", "first", "why"),
    [
        ((7, 0), "Mon 01 08:00", "before the first time of the day"),
        ((8, 30), "Mon 01 08:00", "08:00 is still in its window (to 09:00): it is due now"),
        ((9, 0), "Mon 01 08:00", "exactly when the 08:00 window closes"),
        ((9, 1), "Mon 01 14:00", "mid-morning: the 08:00 window has closed"),
        ((10, 30), "Mon 01 14:00", "mid-morning"),
        ((21, 30), "Tue 02 08:00", "after the last window of the day"),
    ],
)
def test_the_first_dose_is_the_first_slot_still_open_when_the_course_is_entered(entered, first, why):
    course = rules.course_of_days(TDS, days=7, starts_at=london(JUNE_1, *entered), window=HOUR)
    assert course is not None and when(course.first) == first, why
    assert course.doses == 21


def test_a_time_critical_window_is_tighter_so_the_first_dose_moves_on_sooner():
    course = rules.course_of_days(TDS, days=7, starts_at=london(JUNE_1, 8, 45), window=dt.timedelta(minutes=30))
    assert course is not None and when(course.first) == "Mon 01 14:00"


def test_a_later_start_date_counts_from_its_first_slot():
    later = schedule(T(8), T(20), start=dt.date(2026, 6, 5))
    course = rules.course_of_days(later, days=5, starts_at=london(JUNE_1, 12), window=HOUR)
    assert course is not None and course.doses == 10
    assert when(course.first) == "Fri 05 08:00" and when(course.last) == "Tue 09 20:00"


def test_days_of_the_week_count_the_doses_that_fall_in_the_days_from_the_first():
    # Monday, Wednesday, Friday at 09:00; 14 days from Tuesday's entry: the first is Wednesday 3rd.
    mwf = schedule(T(9), kind="days_of_week", days_of_week=frozenset({0, 2, 4}))
    course = rules.course_of_days(mwf, days=14, starts_at=london(dt.date(2026, 6, 2), 10), window=HOUR)
    assert course is not None and course.doses == 6  # Wed 3, Fri 5, Mon 8, Wed 10, Fri 12, Mon 15
    assert when(course.first) == "Wed 03 09:00" and when(course.last) == "Mon 15 09:00"


def test_every_n_days_counts_the_doses_in_the_days_from_the_first():
    # A 72-hour patch from 1 June at 10:00; a course of 10 days from the first: 1st, 4th, 7th and 10th.
    patch = schedule(T(10), kind="every_n_days", interval_days=3)
    course = rules.course_of_days(patch, days=10, starts_at=london(JUNE_1, 9), window=HOUR)
    assert course is not None and course.doses == 4
    assert when(course.last) == "Wed 10 10:00"
    # Entered after the first patch time has passed: the first is the 4th, and 10 days from it hold 4 again.
    late = rules.course_of_days(patch, days=10, starts_at=london(JUNE_1, 12), window=HOUR)
    assert late is not None and when(late.first) == "Thu 04 10:00" and late.doses == 4


def test_weekly_for_four_weeks_is_four_doses():
    weekly = schedule(T(9), kind="every_n_days", interval_days=7)
    course = rules.course_of_days(weekly, days=28, starts_at=london(JUNE_1, 8), window=HOUR)
    assert course is not None and course.doses == 4 and when(course.last) == "Mon 22 09:00"


def test_a_course_across_the_spring_clock_change_keeps_its_wall_times_and_its_count():
    # 29 March 2026: the clocks go forward. Twice a day for 3 days from Saturday 12:00.
    bd = schedule(T(8), T(20), start=dt.date(2026, 3, 28))
    course = rules.course_of_days(bd, days=3, starts_at=london(dt.date(2026, 3, 28), 12), window=HOUR)
    assert course is not None and course.doses == 6
    assert when(course.first) == "Sat 28 20:00" and when(course.last) == "Tue 31 08:00"


def test_a_dose_in_the_missing_spring_hour_still_counts_once():
    night = schedule(T(1, 30), start=dt.date(2026, 3, 28))
    course = rules.course_of_days(night, days=3, starts_at=london(dt.date(2026, 3, 28), 0), window=HOUR)
    assert course is not None and course.doses == 3
    bounded = rules.bounded(night, course)
    slots = list(rules.scheduled_slots(bounded, london(dt.date(2026, 3, 27), 0), london(dt.date(2026, 4, 5), 0)))
    assert [s.local_date.day for s in slots] == [28, 29, 30]


def test_the_bounded_schedule_gives_exactly_the_course_and_nothing_after_its_last_dose():
    course = rules.course_of_days(TDS, days=7, starts_at=london(JUNE_1, 12, 30), window=HOUR)
    assert course is not None
    held = rules.bounded(TDS, course)
    slots = list(rules.scheduled_slots(held, london(JUNE_1, 0), london(JUNE_1 + dt.timedelta(days=30), 0)))
    assert len(slots) == 21 and slots[0] == course.first and slots[-1] == course.last
    last_day = course.last.local_date
    assert rules.has_slot(held, last_day, T(8)) and not rules.has_slot(held, last_day, T(14))
    assert not rules.has_slot(held, JUNE_1, T(8))  # before the first dose
    assert rules.next_slot(held, course.last.scheduled_at) is None


@settings(max_examples=80, deadline=None)
@given(
    start=st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2028, 12, 1)),
    hours=st.lists(st.integers(0, 23), min_size=1, max_size=5, unique=True),
    minutes=st.sampled_from([0, 15, 30, 45]),
    days=st.integers(1, 40),
)
def test_every_day_at_k_times_for_n_days_is_n_times_k_doses_across_any_clock_change(start, hours, minutes, days):
    starts_at = start.replace(tzinfo=LONDON).astimezone(dt.UTC)
    times = tuple(T(h, minutes) for h in hours)
    daily = rules.Schedule(kind="fixed_times", times=times, start_date=starts_at.astimezone(LONDON).date())
    course = rules.course_of_days(daily, days=days, starts_at=starts_at, window=HOUR)
    assert course is not None and course.doses == days * len(times)
    assert course.first.scheduled_at >= starts_at - HOUR
    # The course ends just before the first dose's wall time, N days on.
    assert (course.last.local_date, course.last.local_time) < (
        course.first.local_date + dt.timedelta(days=days),
        course.first.local_time,
    )
    held = rules.bounded(daily, course)
    slots = list(rules.scheduled_slots(held, starts_at - dt.timedelta(days=2), starts_at + dt.timedelta(days=days + 3)))
    assert len(slots) == course.doses
    assert len({(s.local_date, s.local_time) for s in slots}) == course.doses  # one per wall time per day


@settings(max_examples=40, deadline=None)
@given(
    start=st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2028, 12, 1)),
    days=st.integers(2, 20),
    change_after=st.integers(0, 60),
)
def test_a_change_mid_course_continues_the_count_so_no_dose_is_gained_or_lost(start, days, change_after):
    starts_at = start.replace(tzinfo=LONDON).astimezone(dt.UTC)
    tds = rules.Schedule(kind="fixed_times", times=(T(8), T(14), T(20)), start_date=starts_at.date())
    course = rules.course_of_days(tds, days=days, starts_at=starts_at, window=HOUR)
    assert course is not None
    old = rules.bounded(tds, course)
    change_at = course.first.scheduled_at + dt.timedelta(hours=change_after)
    spent = rules.doses_spent(old, at=change_at, window=HOUR, recorded_open=())
    rest = rules.course_continued(
        dataclasses.replace(tds, start_date=change_at.astimezone(LONDON).date()),
        remaining=course.doses - spent,
        starts_at=change_at,
        window=HOUR,
    )
    if spent == course.doses:
        assert rest is None
        return
    assert rest is not None and spent + rest.doses == course.doses
    # The same times: the rest ends on the course's own last dose.
    assert rest.last == course.last


def test_a_dose_recorded_in_its_window_before_a_change_is_spent_and_not_offered_again():
    course = rules.course_of_days(TDS, days=2, starts_at=london(JUNE_1, 7), window=HOUR)
    assert course is not None and course.doses == 6
    old = rules.bounded(TDS, course)
    change_at = london(JUNE_1, 8, 30)  # the 08:00 dose was given at 08:05 and recorded
    recorded = [london(JUNE_1, 8)]
    spent = rules.doses_spent(old, at=change_at, window=HOUR, recorded_open=recorded)
    assert spent == 1
    rest = rules.course_continued(TDS, remaining=5, starts_at=change_at, window=HOUR, after=recorded[-1])
    assert rest is not None and when(rest.first) == "Mon 01 14:00" and rest.last == course.last
    # Not recorded: the 08:00 dose is withdrawn by the change and the new version's 08:00 is the first.
    assert rules.doses_spent(old, at=change_at, window=HOUR, recorded_open=()) == 0
