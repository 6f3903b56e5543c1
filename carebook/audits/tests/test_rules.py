"""When audits fall due and where each stands (audits.rules, pure): the edges of days, weeks, months and grace."""

from __future__ import annotations

import datetime as dt

import pytest

from carebook.audits import rules
from carebook.audits.vocab import AnswerType, Frequency, SlotState
from carebook.core.errors import ValidationFailed

D = dt.date


def test_a_daily_audit_is_due_the_day_after_its_day():
    slot = rules.slot_for(Frequency.DAILY, D(2026, 10, 25), 1)  # the October clock change: still one date
    assert (slot.start, slot.end, slot.due_on) == (D(2026, 10, 25), D(2026, 10, 26), D(2026, 10, 26))


def test_a_weekly_audit_runs_monday_to_sunday_and_a_monthly_a_calendar_month():
    week = rules.slot_for(Frequency.WEEKLY, D(2026, 6, 10), 3)  # a Wednesday
    assert (week.start, week.end, week.due_on) == (D(2026, 6, 8), D(2026, 6, 15), D(2026, 6, 17))
    month = rules.slot_for(Frequency.MONTHLY, D(2026, 12, 31), 7)
    assert (month.start, month.end, month.due_on) == (D(2026, 12, 1), D(2027, 1, 1), D(2027, 1, 7))
    february = rules.slot_for(Frequency.MONTHLY, D(2028, 2, 29), 7)  # a leap year
    assert (february.start, february.end) == (D(2028, 2, 1), D(2028, 3, 1))


def test_periods_start_with_the_first_whole_one_after_the_template_starts():
    slots = rules.slots(
        Frequency.WEEKLY, grace_days=3, starts_on=D(2026, 6, 10), first=D(2026, 6, 1), last=D(2026, 6, 30)
    )
    assert [s.start for s in slots] == [D(2026, 6, 15), D(2026, 6, 22), D(2026, 6, 29)]
    daily = rules.slots(Frequency.DAILY, grace_days=1, starts_on=D(2026, 6, 1), first=D(2026, 6, 3), last=D(2026, 6, 5))
    assert [s.start for s in daily] == [D(2026, 6, 3), D(2026, 6, 4), D(2026, 6, 5)]


def test_the_periods_due_in_a_span_are_those_whose_due_day_falls_in_it():
    due = rules.slots_due_between(
        Frequency.DAILY, grace_days=1, starts_on=D(2026, 1, 1), first=D(2026, 6, 1), end=D(2026, 6, 4)
    )
    assert [s.due_on for s in due] == [D(2026, 6, 1), D(2026, 6, 2), D(2026, 6, 3)]
    assert due[0].start == D(2026, 5, 31)  # the day before the span: due on its first day


def test_a_span_too_long_is_refused():
    with pytest.raises(ValidationFailed):
        rules.slots(Frequency.DAILY, grace_days=1, starts_on=D(2020, 1, 1), first=D(2020, 1, 1), last=D(2026, 1, 1))


@pytest.mark.parametrize(
    ("today", "started", "signed_on", "state"),
    [
        (D(2026, 6, 10), False, None, SlotState.DUE),
        (D(2026, 6, 11), True, None, SlotState.IN_PROGRESS),  # the due day itself: not late yet
        (D(2026, 6, 12), True, None, SlotState.OVERDUE),  # from the day after
        (D(2026, 6, 12), True, D(2026, 6, 11), SlotState.DONE_ON_TIME),  # signed by the end of the due day
        (D(2026, 6, 12), True, D(2026, 6, 12), SlotState.DONE_LATE),
    ],
)
def test_where_a_due_audit_stands(today, started, signed_on, state):
    slot = rules.slot_for(Frequency.DAILY, D(2026, 6, 10), 1)
    assert rules.slot_state(slot, today=today, started=started, signed_on=signed_on) == state
    assert rules.counts_in_figure(state) == (state in (SlotState.OVERDUE, SlotState.DONE_ON_TIME, SlotState.DONE_LATE))


def test_who_may_do_an_audit():
    assert rules.may_conduct("team_leader", "team_leader") and rules.may_conduct("registered_manager", "team_leader")
    assert rules.may_conduct("coordinator", "team_leader")
    assert not rules.may_conduct("senior_carer", "team_leader") and not rules.may_conduct("care_worker", "team_leader")
    assert not rules.may_conduct("team_leader", "registered_manager")
    assert rules.may_conduct("registered_manager", "registered_manager")


@pytest.mark.parametrize(
    ("kind", "given", "stored"),
    [
        (AnswerType.YES_NO, " no ", "no"),
        (AnswerType.NUMBER, "3.50", "3.5"),
        (AnswerType.NUMBER, "10", "10"),
        (AnswerType.TEXT, " None ", "None"),
    ],
)
def test_answers_are_stored_as_their_type_says(kind, given, stored):
    assert rules.clean_answer(kind, given) == stored


@pytest.mark.parametrize(
    ("kind", "given", "says"),
    [
        (AnswerType.YES_NO, "maybe", "yes, no or not applicable"),
        (AnswerType.NUMBER, "three", "number"),
        (AnswerType.NUMBER, "-1", "from 0"),
        (AnswerType.NUMBER, "NaN", "from 0"),
        (AnswerType.TEXT, "  ", "Answer"),
        (AnswerType.TEXT, "x" * 2001, "2000"),
    ],
)
def test_a_bad_answer_is_refused_with_the_reason(kind, given, says):
    with pytest.raises(ValidationFailed) as refused:
        rules.clean_answer(kind, given)
    assert says in refused.value.message and refused.value.field == "value"


def test_an_audit_is_signed_only_when_answered_and_every_no_needing_an_action_has_one():
    def q(position, answer, needs, has):
        return rules.QuestionFacts(position, "?", answer, needs, has)

    assert rules.sign_problems([q(1, "yes", True, False), q(2, "no", False, False), q(3, "no", True, True)]) == []
    problems = rules.sign_problems([q(1, None, False, False), q(2, "no", True, False)])
    assert problems == [
        "Question 1 is not answered.",
        "Question 2 was answered no: record a finding with a corrective action for it.",
    ]
    with pytest.raises(ValidationFailed):
        rules.check_sign([q(1, None, False, False)])
