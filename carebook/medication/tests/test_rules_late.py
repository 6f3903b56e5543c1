"""A late dose too close to the next one (rules.late, ADR 0021): the gap, the next dose, the earliest move."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from carebook.core.clock import LONDON, local_wall_time
from carebook.core.errors import ValidationFailed
from carebook.medication import rules
from carebook.medication.vocab import LateDoseChoice

T = dt.time
HOUR = dt.timedelta(hours=1)
DAY = dt.date(2026, 6, 10)
MOVE, OMIT_NEXT, OMIT_THIS = LateDoseChoice.MOVE_NEXT, LateDoseChoice.OMIT_NEXT, LateDoseChoice.OMIT_THIS


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return local_wall_time(day, T(hh, mm))


def pending(scheduled: dt.datetime, after: dt.datetime | None = None, window: dt.timedelta = HOUR) -> rules.NextDose:
    return rules.NextDose(
        scheduled_at=scheduled,
        prescribed_at=scheduled,
        pending=True,
        after_prescribed_at=after,
        after_opens_at=after - window if after is not None else None,
    )


def twice_daily(given_at: dt.datetime, *, setting: dt.timedelta | None = None) -> rules.TooClose | None:
    """08:00 and 20:00: the 08:00 dose given at ``given_at``; the next is 20:00, then 08:00 tomorrow."""
    return rules.too_close(
        given_at=given_at,
        this_prescribed_at=at(DAY, 8),
        next_dose=pending(at(DAY, 20), after=at(DAY + dt.timedelta(days=1), 8)),
        setting=setting,
    )


# --- The gap ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("this", "nxt", "gap"),
    [
        ((DAY, 8), (DAY, 20), dt.timedelta(hours=6)),  # twice a day
        ((DAY, 8), (DAY + dt.timedelta(days=1), 8), dt.timedelta(hours=12)),  # once a day
        ((DAY, 20), (DAY + dt.timedelta(days=1), 8), dt.timedelta(hours=6)),  # across midnight
        ((DAY, 14), (DAY, 20), dt.timedelta(hours=3)),  # the shorter interval of three times a day
        # The clocks change in the night: the night is 11 hours (spring) or 13 hours (autumn) long.
        ((dt.date(2026, 3, 28), 20), (dt.date(2026, 3, 29), 8), dt.timedelta(hours=5, minutes=30)),
        ((dt.date(2026, 10, 24), 20), (dt.date(2026, 10, 25), 8), dt.timedelta(hours=6, minutes=30)),
    ],
)
def test_the_default_gap_is_half_the_time_between_the_prescribed_doses(this, nxt, gap):
    assert rules.min_gap(at(*this), at(*nxt), None) == gap


def test_a_gap_set_on_the_prescription_wins():
    assert rules.min_gap(at(DAY, 8), at(DAY, 20), dt.timedelta(hours=4)) == dt.timedelta(hours=4)


# --- Too close? -------------------------------------------------------------------------


def test_a_dose_given_exactly_the_gap_before_the_next_is_not_too_close():
    assert twice_daily(at(DAY, 14)) is None  # 6 hours before 20:00


def test_a_minute_later_it_is_too_close_and_all_three_choices_are_offered():
    conflict = twice_daily(at(DAY, 14, 1))
    assert conflict is not None
    assert conflict.gap == dt.timedelta(hours=6)
    assert conflict.choices == (MOVE, OMIT_NEXT, OMIT_THIS)
    assert conflict.earliest_move == at(DAY, 20, 1)  # at least the gap after this one
    # No later than the gap before the window of tomorrow's 08:00 opens (07:00): 01:00.
    assert conflict.latest_move == at(DAY + dt.timedelta(days=1), 1)


def test_in_its_window_a_dose_is_never_too_close_with_the_default_gap():
    assert twice_daily(at(DAY, 9)) is None


def test_the_earliest_move_is_rounded_up_to_the_minute():
    conflict = twice_daily(at(DAY, 15, 20) + dt.timedelta(seconds=20))
    assert conflict is not None and conflict.earliest_move == at(DAY, 21, 21)


def test_the_page_suggests_a_time_a_little_after_the_earliest_on_a_five_minute_mark():
    """The earliest is measured from "now": a suggestion of the earliest itself would be refused once the minute
    turned while the carer finished the form (found by a browser test in CI)."""
    conflict = twice_daily(at(DAY, 15, 20) + dt.timedelta(seconds=20))  # earliest 21:21
    assert conflict is not None and rules.suggested_move(conflict) == at(DAY, 21, 30)
    conflict = twice_daily(at(DAY, 16, 10))  # earliest 22:10: five minutes later is already on a mark
    assert conflict is not None and rules.suggested_move(conflict) == at(DAY, 22, 15)


def test_the_suggestion_never_passes_the_latest_and_none_when_the_next_cannot_move():
    conflict = twice_daily(at(DAY, 14, 1))  # earliest 20:01
    assert conflict is not None
    near_latest = dataclasses.replace(conflict, latest_move=at(DAY, 20, 3))
    assert rules.suggested_move(near_latest) == at(DAY, 20, 1)  # the earliest itself
    stuck = rules.too_close(
        given_at=at(DAY, 15, 50),
        this_prescribed_at=at(DAY, 8),
        next_dose=pending(at(DAY, 14), after=at(DAY, 20)),
        setting=None,
    )
    assert stuck is not None and rules.suggested_move(stuck) is None


def test_a_dose_given_after_the_next_was_due_is_still_too_close():
    conflict = twice_daily(at(DAY, 20, 30))
    assert conflict is not None and conflict.to_next < dt.timedelta(0)
    assert "after the next dose was due (20:00)" in rules.too_close_message(conflict)


def test_the_next_cannot_be_moved_when_it_would_then_be_too_close_to_the_one_after():
    # Three times a day, the 08:00 dose at 15:50: gap to 14:00 is 3 hours, so 14:00 would move to 18:50;
    # but 20:00 opens at 19:00 and needs 3 hours after 14:00's move: no later than 16:00. Impossible.
    conflict = rules.too_close(
        given_at=at(DAY, 15, 50),
        this_prescribed_at=at(DAY, 8),
        next_dose=pending(at(DAY, 14), after=at(DAY, 20)),
        setting=None,
    )
    assert conflict is not None
    assert conflict.choices == (OMIT_NEXT, OMIT_THIS) and conflict.earliest_move is None
    assert "move" not in rules.too_close_message(conflict).split("Choose what to do:")[1]


def test_no_next_dose_the_last_of_a_course_is_never_too_close():
    assert rules.too_close(given_at=at(DAY, 19), this_prescribed_at=at(DAY, 8), next_dose=None, setting=None) is None


def test_the_next_dose_of_the_last_pair_has_nothing_after_it_so_any_later_time_will_do():
    conflict = rules.too_close(
        given_at=at(DAY, 16), this_prescribed_at=at(DAY, 8), next_dose=pending(at(DAY, 20)), setting=None
    )
    assert conflict is not None and conflict.latest_move is None and conflict.allows(MOVE)


def test_a_next_dose_already_given_cannot_move_so_this_one_can_only_be_omitted():
    given_next = rules.NextDose(
        scheduled_at=at(DAY, 20), prescribed_at=at(DAY, 20), pending=False, given_at=at(DAY, 19, 10)
    )
    conflict = rules.too_close(
        given_at=at(DAY, 19, 30), this_prescribed_at=at(DAY, 8), next_dose=given_next, setting=None
    )
    assert conflict is not None and conflict.choices == (OMIT_THIS,)
    assert "already given at 19:10" in rules.too_close_message(conflict)
    far = rules.too_close(given_at=at(DAY, 13), this_prescribed_at=at(DAY, 8), next_dose=given_next, setting=None)
    assert far is None


def test_a_next_dose_recorded_as_not_given_is_no_conflict():
    refused = rules.NextDose(scheduled_at=at(DAY, 20), prescribed_at=at(DAY, 20), pending=False, given_at=None)
    assert rules.too_close(given_at=at(DAY, 19), this_prescribed_at=at(DAY, 8), next_dose=refused, setting=None) is None


def test_across_the_autumn_clock_change_the_gap_is_half_the_real_night():
    # 20:00 on 24 October, next 08:00 on the 25th: 13 hours apart, so the gap is 6 h 30 min.
    eve, morning = dt.date(2026, 10, 24), dt.date(2026, 10, 25)
    nxt = pending(at(morning, 8), after=at(morning, 20))
    ok = at(morning, 8) - dt.timedelta(hours=6, minutes=30)
    assert rules.too_close(given_at=ok, this_prescribed_at=at(eve, 20), next_dose=nxt, setting=None) is None
    late = ok + dt.timedelta(minutes=1)
    conflict = rules.too_close(given_at=late, this_prescribed_at=at(eve, 20), next_dose=nxt, setting=None)
    assert conflict is not None and conflict.gap == dt.timedelta(hours=6, minutes=30)
    assert conflict.earliest_move is not None and conflict.earliest_move.astimezone(LONDON).hour == 8


@settings(max_examples=100, deadline=None)
@given(
    late_by=st.integers(0, 24 * 60),
    setting=st.one_of(st.none(), st.integers(30, 11 * 60)),
)
def test_whatever_is_chosen_no_two_taken_doses_are_closer_than_the_gap(late_by, setting):
    """Giving now and moving the next to its earliest keeps the gap; anything offered keeps it."""
    given_at = at(DAY, 8) + dt.timedelta(minutes=late_by)
    gap_setting = dt.timedelta(minutes=setting) if setting is not None else None
    conflict = twice_daily(given_at, setting=gap_setting)
    gap = rules.min_gap(at(DAY, 8), at(DAY, 20), gap_setting)
    if conflict is None:
        assert at(DAY, 20) - given_at >= gap
        return
    if conflict.allows(MOVE):
        assert conflict.earliest_move is not None
        assert conflict.earliest_move - given_at >= gap
        suggested = rules.suggested_move(conflict)
        assert suggested is not None and suggested >= conflict.earliest_move  # the page's suggestion is allowed
        assert conflict.latest_move is None or suggested <= conflict.latest_move
        if conflict.latest_move is not None:
            assert conflict.latest_move >= conflict.earliest_move
            tomorrow_opens = at(DAY + dt.timedelta(days=1), 8) - HOUR
            assert tomorrow_opens - conflict.latest_move >= rules.min_gap(
                at(DAY, 20), at(DAY + dt.timedelta(days=1), 8), gap_setting
            )


# --- The choice -------------------------------------------------------------------------


def choose(conflict, choice=None, *, taken=True, reason="Pharmacist advised", move_to=None, senior=False, tc=False):
    chosen = None if choice is None else rules.LateChoice(choice, reason, move_to=move_to, has_senior=senior)
    return rules.check_late_choice(conflict, taken=taken, chosen=chosen, time_critical=tc, window=HOUR)


def test_given_without_a_choice_is_refused_naming_the_choices():
    with pytest.raises(rules.TooCloseToNextDose) as err:
        choose(twice_daily(at(DAY, 16)))
    message = err.value.message
    assert "4 hours before the next dose at 20:00" in message and "at least 6 hours apart" in message
    assert "move the next dose to 22:00 or later" in message
    assert "omit the next dose" in message and "omit this one" in message
    assert err.value.details["choices"] == ["move_next", "omit_next", "omit_this"]


def test_not_given_needs_no_choice():
    assert choose(twice_daily(at(DAY, 16)), taken=False) is None


def test_each_choice_needs_a_reason():
    for choice in (MOVE, OMIT_NEXT, OMIT_THIS):
        with pytest.raises(ValidationFailed) as err:
            choose(twice_daily(at(DAY, 16)), choice, reason="  ")
        assert err.value.field == "late_reason"


def test_moving_the_next_to_its_earliest_or_within_its_bounds():
    plan = choose(twice_daily(at(DAY, 16)), MOVE)
    assert plan is not None and plan.move_to == at(DAY, 22)
    assert plan.move_opens_at == at(DAY, 22)  # never earlier than the gap after this one
    later = choose(twice_daily(at(DAY, 16)), MOVE, move_to=at(DAY, 23, 30))
    assert later is not None and later.move_opens_at == at(DAY, 22, 30)
    with pytest.raises(ValidationFailed, match="22:00 on 10 June or later"):
        choose(twice_daily(at(DAY, 16)), MOVE, move_to=at(DAY, 21, 59))
    with pytest.raises(ValidationFailed, match="no later than 01:00 on 11 June"):
        choose(twice_daily(at(DAY, 16)), MOVE, move_to=at(DAY + dt.timedelta(days=1), 1, 1))


def test_a_choice_not_offered_is_refused():
    conflict = rules.too_close(
        given_at=at(DAY, 15, 50),
        this_prescribed_at=at(DAY, 8),
        next_dose=pending(at(DAY, 14), after=at(DAY, 20)),
        setting=None,
    )
    with pytest.raises(ValidationFailed, match="cannot be moved"):
        choose(conflict, MOVE)


def test_a_choice_for_a_dose_that_is_not_too_close_is_refused():
    with pytest.raises(ValidationFailed) as err:
        choose(twice_daily(at(DAY, 10)), OMIT_NEXT)
    assert err.value.code == "late_choice_not_needed"


def test_a_time_critical_medicine_needs_a_seniors_confirmation():
    with pytest.raises(rules.SeniorConfirmationRequired):
        choose(twice_daily(at(DAY, 16)), OMIT_THIS, tc=True)
    assert choose(twice_daily(at(DAY, 16)), OMIT_THIS, tc=True, senior=True) is not None


@pytest.mark.parametrize(
    ("facts", "message"),
    [
        (rules.SeniorFacts("Carla", "Care worker", True, False, True), "not you"),
        (rules.SeniorFacts("Ben", "Care worker", False, False, True), "cannot confirm"),
        (rules.SeniorFacts("Sam", "Senior carer", False, True, False), "does not work"),
    ],
)
def test_who_may_confirm(facts, message):
    with pytest.raises(ValidationFailed, match=message):
        rules.check_senior_eligible(facts)
    rules.check_senior_eligible(rules.SeniorFacts("Sam", "Senior carer", False, True, True))


# --- The pre-check that spares the record path a query --------------------------------------------------

from hypothesis import given as _given  # noqa: E402
from hypothesis import strategies as _st  # noqa: E402


@_given(
    interval_minutes=_st.integers(min_value=30, max_value=7 * 24 * 60),
    given_after_minutes=_st.integers(min_value=-60, max_value=3 * 24 * 60),
    next_moved_minutes=_st.integers(min_value=0, max_value=24 * 60),
    next_given_early_minutes=_st.one_of(_st.none(), _st.integers(min_value=0, max_value=60)),
    setting_minutes=_st.one_of(_st.none(), _st.integers(min_value=1, max_value=12 * 60)),
)
def test_when_the_schedule_alone_says_a_dose_is_clear_the_full_rule_agrees(
    interval_minutes, given_after_minutes, next_moved_minutes, next_given_early_minutes, setting_minutes
):
    """The service skips reading the next slot when ``clearly_not_too_close``: that must never hide a conflict,
    whether the next dose was moved later, is pending, or was already given early in its window."""
    import datetime as _dt

    from carebook.medication import rules as _rules

    this = _dt.datetime(2026, 6, 10, 7, 0, tzinfo=_dt.UTC)
    prescribed_next = this + _dt.timedelta(minutes=interval_minutes)
    window = _dt.timedelta(minutes=60)
    given_at = this + _dt.timedelta(minutes=given_after_minutes)
    setting = _dt.timedelta(minutes=setting_minutes) if setting_minutes else None
    if next_given_early_minutes is None:
        next_dose = _rules.NextDose(
            scheduled_at=prescribed_next + _dt.timedelta(minutes=next_moved_minutes),
            prescribed_at=prescribed_next,
            pending=True,
        )
    else:
        next_dose = _rules.NextDose(
            scheduled_at=prescribed_next,
            prescribed_at=prescribed_next,
            pending=False,
            given_at=prescribed_next - _dt.timedelta(minutes=next_given_early_minutes),
        )
    clear = _rules.late.clearly_not_too_close(
        given_at=given_at,
        this_prescribed_at=this,
        next_prescribed_at=prescribed_next,
        next_window=window,
        setting=setting,
    )
    if clear:
        assert (
            _rules.too_close(given_at=given_at, this_prescribed_at=this, next_dose=next_dose, setting=setting) is None
        )
