"""The clinical rules, at every edge: schedules across clock changes, dose windows, PRN limits, prompts."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carebook.core.clock import LONDON, local_wall_time
from carebook.core.errors import ValidationFailed
from carebook.medication import rules

T = dt.time


def daily(*times: dt.time, start: dt.date = dt.date(2026, 1, 1), **kw) -> rules.Schedule:
    return rules.Schedule(kind=kw.pop("kind", "fixed_times"), times=times, start_date=start, **kw)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


# --- Schedules and the clock changes -------------------------------------------------


def test_eight_oclock_stays_eight_oclock_across_the_spring_clock_change():
    slots = list(rules.scheduled_slots(daily(T(8, 0)), utc(2026, 3, 28), utc(2026, 3, 31)))
    assert [s.scheduled_at.astimezone(LONDON).strftime("%d %H:%M") for s in slots] == [
        "28 08:00",
        "29 08:00",
        "30 08:00",
    ]
    assert slots[0].scheduled_at.hour == 8 and slots[1].scheduled_at.hour == 7  # GMT, then BST


def test_a_time_in_the_missing_spring_hour_is_given_once_moved_forward():
    # 29 March 2026: clocks go from 01:00 GMT to 02:00 BST; 01:30 does not exist.
    slots = list(rules.scheduled_slots(daily(T(1, 30)), utc(2026, 3, 28, 12), utc(2026, 3, 30, 12)))
    on_the_day = [s for s in slots if s.local_date == dt.date(2026, 3, 29)]
    assert len(on_the_day) == 1
    assert on_the_day[0].scheduled_at.astimezone(LONDON).strftime("%H:%M %Z") == "02:30 BST"
    assert on_the_day[0].local_time == T(1, 30)  # the MAR still shows the prescribed time


def test_a_time_in_the_repeated_autumn_hour_is_given_once_at_its_first_occurrence():
    # 25 October 2026: 01:00-01:59 happens twice (BST, then GMT).
    slots = list(rules.scheduled_slots(daily(T(1, 30)), utc(2026, 10, 24, 12), utc(2026, 10, 26, 12)))
    on_the_day = [s for s in slots if s.local_date == dt.date(2026, 10, 25)]
    assert len(on_the_day) == 1
    assert on_the_day[0].scheduled_at == utc(2026, 10, 25, 0, 30)  # 01:30 BST


@settings(max_examples=60, deadline=None)
@given(
    start=st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2028, 12, 1)),
    times=st.lists(st.times(), min_size=1, max_size=6, unique_by=lambda t: (t.hour, t.minute)).map(
        lambda ts: tuple(t.replace(second=0, microsecond=0) for t in ts)
    ),
    days=st.integers(min_value=1, max_value=40),
)
def test_exactly_one_dose_per_wall_time_per_day(start, times, days):
    times = tuple(sorted(set(times)))
    begin = local_wall_time(start, T(0, 0))
    end = local_wall_time(start + dt.timedelta(days=days), T(0, 0))
    slots = list(rules.scheduled_slots(daily(*times, start=start), begin, end))
    keys = [(s.local_date, s.local_time) for s in slots]
    assert len(keys) == len(set(keys))
    # Every day strictly inside the range has every time exactly once.
    for offset in range(1, days - 1):
        day = start + dt.timedelta(days=offset)
        assert sorted(t for d, t in keys if d == day) == sorted(times)
    assert all(begin <= s.scheduled_at < end for s in slots)


@pytest.mark.parametrize(
    ("kind", "extra", "expected_days"),
    [
        ("days_of_week", {"days_of_week": frozenset({0, 3})}, [1, 5, 8, 12, 15]),  # Mon, Thu (1 Jan 2026: Thu)
        ("every_n_days", {"interval_days": 3}, [1, 4, 7, 10, 13]),  # a 72-hour patch
        ("every_n_days", {"interval_days": 7}, [1, 8, 15]),  # weekly
        ("fixed_times", {"end_date": dt.date(2026, 1, 3)}, [1, 2, 3]),  # a 3-day course
    ],
)
def test_schedule_kinds(kind, extra, expected_days):
    schedule = rules.Schedule(kind=kind, times=(T(9, 0),), start_date=dt.date(2026, 1, 1), **extra)
    slots = rules.scheduled_slots(schedule, utc(2026, 1, 1), utc(2026, 1, 16))
    assert [s.local_date.day for s in slots] == expected_days


def test_prn_has_no_scheduled_slots():
    assert list(rules.scheduled_slots(daily(T(8, 0), kind="prn"), utc(2026, 1, 1), utc(2026, 2, 1))) == []


@pytest.mark.parametrize("bad", ["8am", "25:00", "08:60", "8:00", "", "08:00:00"])
def test_times_must_be_24_hour_hh_mm(bad):
    with pytest.raises(ValidationFailed) as err:
        rules.parse_times([bad])
    assert err.value.field == "times"


# --- Dose windows ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "critical", "expected"),
    [
        (-61, False, "early"),
        (-60, False, "on_time"),
        (60, False, "on_time"),
        (61, False, "late"),
        (-31, True, "early"),
        (30, True, "on_time"),
        (31, True, "late"),
    ],
)
def test_dose_window_edges_to_the_minute(minutes, critical, expected):
    due = utc(2026, 6, 1, 7)
    assert rules.timing_of(due, due + dt.timedelta(minutes=minutes), critical) == expected


def test_a_dose_is_refused_before_its_window_opens():
    due = utc(2026, 6, 1, 7)
    with pytest.raises(rules.NotYetDue) as err:
        rules.check_not_too_early(due, due - dt.timedelta(minutes=61), False)
    assert "07:00" in err.value.message  # 08:00 BST minus 60 minutes
    rules.check_not_too_early(due, due - dt.timedelta(minutes=60), False)


@pytest.mark.parametrize(
    ("status", "minutes_from_close", "expected"),
    [
        ("due", -25, "Give by 08:30: 25 minutes left"),
        ("due", -90, "Give by 08:30: 1 hour 30 minutes left"),
        ("due", 0, "Give by 08:30: less than a minute left"),
        ("later", -75, "Give by 08:30: 1 hour 15 minutes left"),
        ("overdue", 12, "Window closed at 08:30: 12 minutes ago"),
        ("given", -10, ""),
        ("not_given", 10, ""),
    ],
)
def test_a_time_critical_dose_counts_down_to_the_end_of_its_window(status, minutes_from_close, expected):
    closes = utc(2026, 6, 1, 7, 30)  # 08:30 BST
    assert rules.window_countdown(status, closes, closes + dt.timedelta(minutes=minutes_from_close)) == expected


# --- PRN --------------------------------------------------------------------------------

HOUR = dt.timedelta(hours=1)


def prn(at: dt.datetime, qty: str = "1") -> rules.PrnDose:
    return rules.PrnDose(at, Decimal(qty))


def test_prn_minimum_interval_gives_the_time_it_becomes_allowed():
    now = utc(2026, 6, 1, 12)
    history = [prn(now - HOUR)]
    allowed = rules.prn_next_allowed(
        history=history, now=now, quantity=Decimal(1), min_interval=4 * HOUR, max_24h=Decimal(8)
    )
    assert allowed == now + 3 * HOUR


def test_prn_24_hour_maximum_waits_for_the_oldest_dose_to_leave_the_window():
    now = utc(2026, 6, 2, 12)
    history = [prn(now - h * HOUR, "2") for h in (20, 15, 10, 5)]  # 8 tablets in the last 24 h
    allowed = rules.prn_next_allowed(
        history=history, now=now, quantity=Decimal(1), min_interval=4 * HOUR, max_24h=Decimal(8)
    )
    assert allowed == now + 4 * HOUR  # when the dose 20 h ago is 24 h old


@settings(max_examples=150, deadline=None)
@given(
    attempts=st.lists(st.tuples(st.integers(0, 72 * 60), st.sampled_from(["1", "2"])), min_size=1, max_size=40),
    interval=st.sampled_from([60, 120, 240, 360]),
    max_24h=st.sampled_from(["2", "4", "8"]),
    in_time_order=st.booleans(),
)
def test_prn_never_exceeds_its_24_hour_maximum_or_interval(attempts, interval, max_24h, in_time_order):
    """Whatever the attempts, and whatever order they are entered in (late entries come out of order)."""
    start = utc(2026, 1, 1)
    given_doses: list[rules.PrnDose] = []
    for minute, qty in sorted(attempts) if in_time_order else attempts:
        now = start + dt.timedelta(minutes=minute)
        try:
            rules.check_prn(
                history=given_doses,
                now=now,
                quantity=Decimal(qty),
                min_interval=dt.timedelta(minutes=interval),
                max_24h=Decimal(max_24h),
            )
        except (rules.TooSoon, rules.MaxDailyDoseReached):
            continue
        given_doses.append(prn(now, qty))
    for dose in given_doses:
        window = [d for d in given_doses if dose.at - dt.timedelta(hours=24) < d.at <= dose.at]
        assert sum(d.quantity for d in window) <= Decimal(max_24h)
    for a, b in itertools.pairwise(sorted(given_doses, key=lambda d: d.at)):
        assert b.at - a.at >= dt.timedelta(minutes=interval)


# --- Prompts -------------------------------------------------------------------------------

ALL = rules.prompts_for("pulse")


def answers(result: str = "confirmed", **override: str) -> list[rules.Answer]:
    out = []
    for p in ALL:
        r = override.get(p, result)
        out.append(
            rules.Answer(
                p,
                r,
                Decimal("70") if p == "pulse" and r == "confirmed" else None,
                "could not find pulse" if r == "skipped" else "",
            )
        )
    return out


def test_given_needs_every_prompt_confirmed():
    rules.check_prompt_answers(required=ALL, answers=answers(), outcome="given", taken=True)
    with pytest.raises(ValidationFailed):
        rules.check_prompt_answers(required=ALL, answers=answers()[:-2], outcome="given", taken=True)


def test_a_reading_may_be_skipped_with_a_note_but_an_identity_check_may_not():
    rules.check_prompt_answers(required=ALL, answers=answers(pulse="skipped"), outcome="given", taken=True)
    with pytest.raises(ValidationFailed):
        rules.check_prompt_answers(required=ALL, answers=answers(right_person="skipped"), outcome="given", taken=True)


def test_a_confirmed_reading_needs_its_value():
    bad = [a if a.prompt != "pulse" else rules.Answer("pulse", "confirmed") for a in answers()]
    with pytest.raises(ValidationFailed) as err:
        rules.check_prompt_answers(required=ALL, answers=bad, outcome="given", taken=True)
    assert err.value.field == "prompts.pulse"


def test_a_failed_prompt_allows_only_not_given():
    failed = answers(right_dose="failed")
    with pytest.raises(ValidationFailed):
        rules.check_prompt_answers(required=ALL, answers=failed, outcome="given", taken=True)
    rules.check_prompt_answers(required=ALL, answers=failed[:3], outcome="other", taken=False)


def test_not_given_still_needs_the_right_person():
    with pytest.raises(ValidationFailed):
        rules.check_prompt_answers(required=ALL, answers=[], outcome="refused", taken=False)


def test_witness_rule():
    with pytest.raises(rules.WitnessRequired):
        rules.check_witness(needs_witness=True, outcome="given", has_witness=False)
    rules.check_witness(needs_witness=True, outcome="refused", has_witness=False)
    rules.check_witness(needs_witness=False, outcome="given", has_witness=False)


def test_a_back_dated_prn_dose_cannot_slip_in_before_a_recorded_one():
    eight = utc(2026, 6, 1, 7)
    history = [prn(eight, "2")]
    with pytest.raises(rules.TooSoon) as err:
        rules.check_prn(
            history=history, now=eight - HOUR, quantity=Decimal(2), min_interval=4 * HOUR, max_24h=Decimal(8)
        )
    assert err.value.field == "administered_at"
    rules.check_prn(
        history=history, now=eight - 4 * HOUR, quantity=Decimal(2), min_interval=4 * HOUR, max_24h=Decimal(8)
    )
