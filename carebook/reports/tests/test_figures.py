"""Every figure on hand-made data whose right answer is known: no doses, a dose given outside its window, a refusal,
a record entered in error and corrected, a dose never recorded, withdrawn doses, a dose that spans midnight, the
October clock change, the period's edges; each figure agrees with the records listed behind it; the figures' query
count does not grow with the number of people.

Addie's ramipril is due at 08:00 BST (07:00 UTC) every day from 1 June 2026; its window is 07:00 to 09:00 BST.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carebook.actions.services import action_complete
from carebook.alerts.models import Alert
from carebook.incidents.services import IncidentInput, incident_action_add, incident_report
from carebook.medication import rules as medication_rules
from carebook.medication.models import DueDose
from carebook.medication.services.administrations import administration_record
from carebook.medication.services.administrations.correct import administration_mark_entered_in_error
from carebook.medication.services.doses import due_doses_extend_horizon
from carebook.medication.services.prescriptions import prescription_discontinue
from carebook.reports import figures, rules
from carebook.reports.rules import Period
from carebook.testing.factories import MedicineFactory, PersonFactory, prescribe, prescribe_paracetamol_prn

UTC = dt.UTC
DAY = dt.timedelta(days=1)
MINUTE = dt.timedelta(minutes=1)
JUNE = dt.date(2026, 6, 1)
FIRST_DUE = dt.datetime(2026, 6, 1, 7, 0, tzinfo=UTC)  # 08:00 BST
LATER = dt.datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # "now" for the figures: every window closed


def confirmed() -> list[medication_rules.Answer]:
    return [medication_rules.Answer(p, "confirmed") for p in medication_rules.prompts_for("")]


def record(world, dose, outcome: str, at: dt.datetime, *, administered_at=None):
    prompts = confirmed() if outcome == "given" else [medication_rules.Answer("right_person", "confirmed")]
    with time_machine.travel(at, tick=False):
        return administration_record(
            by=world.carla,
            outcome=outcome,
            prompts=prompts,
            due_dose=dose,
            reason="" if outcome == "given" else "Said no",
            administered_at=administered_at,
        ).administration


def give_prn(world, rx, at: dt.datetime):
    with time_machine.travel(at, tick=False):
        return administration_record(
            by=world.carla,
            prescription=rx,
            outcome="given",
            prompts=confirmed(),
            dose_given=Decimal("1"),
            prn_reason="Pain",
        ).administration


def dose(rx, day: dt.date) -> DueDose:
    return DueDose.objects.exclude(state="withdrawn").get(prescription=rx, local_date=day)


def value(figure: str, world, p: Period, as_of: dt.datetime = LATER):
    return figures.FIGURES[figure].compute([world.home.pk], p, as_of)


def records(figure: str, world, p: Period, as_of: dt.datetime = LATER):
    return figures.FIGURES[figure].records([world.home.pk], p, as_of)


@pytest.fixture
def june(world):
    """Six mornings of ramipril, each with a known outcome, and a stopped prescription's withdrawn doses."""
    with time_machine.travel(FIRST_DUE - dt.timedelta(hours=12), tick=False):
        rx = prescribe(world.ada, MedicineFactory(name="Ramipril"), by=world.sam, checker=world.tia)
        stopped = prescribe(world.bert, MedicineFactory(name="Amlodipine"), by=world.sam, checker=world.tia)
        prescription_discontinue(prescription=stopped, by=world.sam, reason="Stopped by the GP")
    for n in range(6):  # the horizon extended day by day, as the job does
        with time_machine.travel(FIRST_DUE + n * DAY - dt.timedelta(hours=12), tick=False):
            due_doses_extend_horizon()
    day = [JUNE + n * DAY for n in range(6)]
    at = [FIRST_DUE + n * DAY for n in range(6)]
    record(world, dose(rx, day[0]), "given", at[0] + 5 * MINUTE)  # on time
    # Given at 09:20 BST (the window closed at 09:00), written at 10:30: not on time, and a late entry.
    record(world, dose(rx, day[1]), "given", at[1] + 150 * MINUTE, administered_at=at[1] + 80 * MINUTE)
    record(world, dose(rx, day[2]), "refused_final", at[2] + 10 * MINUTE)
    wrong = record(world, dose(rx, day[3]), "not_available", at[3] + 10 * MINUTE)
    with time_machine.travel(at[3] + 20 * MINUTE, tick=False):
        administration_mark_entered_in_error(administration=wrong, by=world.sam, reason="Wrong dose chosen")
    record(world, dose(rx, day[3]), "given", at[3] + 25 * MINUTE)  # the correction: on time
    # day[4]: nothing recorded (an omission once its window closed). day[5]: asleep, an omission recorded.
    record(world, dose(rx, day[5]), "asleep", at[5] + 10 * MINUTE)  # offered again (ADR 0034)...
    record(world, dose(rx, day[5]), "asleep", at[5] + 40 * MINUTE)  # ...and still asleep: the dose's outcome
    assert DueDose.objects.filter(prescription=stopped, state="withdrawn").exists()
    return rx


SIX_DAYS = Period(JUNE, JUNE + 6 * DAY)


def test_no_doses_in_the_period_is_no_rate_and_no_counts(world):
    empty = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 29))
    rate = value("on_time_rate", world, empty)
    assert (rate.value, rate.numerator, rate.denominator) == (None, 0, 0)
    assert [w.value for w in rate.weeks] == [None] * 4
    for key in figures.FIGURES:
        if key != "on_time_rate":
            figure = value(key, world, empty)
            assert figure.value in (0, None), key
            assert records(key, world, empty) == [], key


def test_the_on_time_rate_counts_taken_within_the_window_over_doses_due(world, june):
    rate = value("on_time_rate", world, SIX_DAYS)
    # Due: six mornings (the withdrawn doses left out). On time: the 1st and the 4th's correction.
    assert (rate.numerator, rate.denominator, rate.value) == (2, 6, 33.3)
    labels = [row.counted for row in records("on_time_rate", world, SIX_DAYS)]
    assert labels[0] == "On time" and labels[3] == "On time"
    assert labels[1].startswith("Not on time: given 09:20")
    assert labels[2] == "Not on time: Refused (will not offer again)"
    assert labels[4] == "Not on time: No record after its window"
    assert len(labels) == rate.denominator and labels.count("On time") == rate.numerator


def test_a_dose_whose_window_is_open_and_unrecorded_is_not_yet_counted(world, june):
    # At 08:30 BST on the 5th its morning dose is still in its window: four doses counted, not five.
    five_days = Period(JUNE, JUNE + 5 * DAY)
    rate = value("on_time_rate", world, five_days, as_of=FIRST_DUE + 4 * DAY + 30 * MINUTE)
    assert rate.denominator == 4
    assert value("omissions", world, five_days, as_of=FIRST_DUE + 4 * DAY + 30 * MINUTE).value == 0
    assert value("omissions", world, five_days, as_of=FIRST_DUE + 4 * DAY + 60 * MINUTE).value == 1


def test_omissions_refusals_and_late_entries(world, june):
    # Omissions: the 5th (no record) and the 6th (asleep); the entered-in-error "not available" is not counted.
    assert value("omissions", world, SIX_DAYS).value == 2
    assert {r.counted for r in records("omissions", world, SIX_DAYS)} == {
        "No record after its window",
        "Asleep (will offer again)",
    }
    assert value("refusals", world, SIX_DAYS).value == 1
    assert value("late_entries", world, SIX_DAYS).value == 1
    assert [r.counted for r in records("late_entries", world, SIX_DAYS)] == ["Written 70 minutes after"]


def test_the_periods_edges_and_weeks(world, june):
    # [2 June, 4 June): the 2nd and 3rd only.
    p = Period(JUNE + DAY, JUNE + 3 * DAY)
    assert value("on_time_rate", world, p).denominator == 2
    assert value("refusals", world, p).value == 1
    # Eight days from 31 May: a week of six doses and a week of one day (the 7th: a dose never recorded).
    weeks = value("on_time_rate", world, Period(JUNE - DAY, JUNE + 7 * DAY)).weeks
    assert [(w.start, w.numerator, w.denominator) for w in weeks] == [
        (JUNE - DAY, 2, 6),
        (JUNE + 6 * DAY, 0, 1),
    ]


def test_a_dose_given_after_midnight_in_its_window_counts_on_its_own_date(world):
    """23:30 on 24 October (BST), given at 00:10 on the 25th, the day the clocks go back."""
    late_dose_at = dt.datetime(2026, 10, 24, 22, 30, tzinfo=UTC)
    with time_machine.travel(late_dose_at - dt.timedelta(hours=12), tick=False):
        rx = prescribe(world.ada, MedicineFactory(name="Zopiclone"), by=world.sam, checker=world.tia, times=["23:30"])
    record(world, dose(rx, dt.date(2026, 10, 24)), "given", late_dose_at + 40 * MINUTE)
    the_24th = Period(dt.date(2026, 10, 24), dt.date(2026, 10, 25))
    the_25th = Period(dt.date(2026, 10, 25), dt.date(2026, 10, 26))
    as_of = late_dose_at + 2 * DAY
    assert value("on_time_rate", world, the_24th, as_of).numerator == 1
    rate = value("on_time_rate", world, the_25th, as_of)
    assert (rate.numerator, rate.denominator) == (0, 1)  # the 25th's own 23:30 (GMT) dose, not recorded


def test_when_required_doses_count_by_their_local_date_across_the_clock_change(world):
    with time_machine.travel(dt.datetime(2026, 10, 20, 9, 0, tzinfo=UTC), tick=False):
        rx = prescribe_paracetamol_prn(world.ada, by=world.sam, checker=world.tia)
    for at in (
        dt.datetime(2026, 10, 24, 19, 0, tzinfo=UTC),  # 20:00 BST on the 24th: before
        dt.datetime(2026, 10, 24, 23, 30, tzinfo=UTC),  # 00:30 BST on the 25th: in (its UTC date is the 24th)
        dt.datetime(2026, 10, 25, 23, 30, tzinfo=UTC),  # 23:30 GMT on the 25th (a 25-hour day): in
        dt.datetime(2026, 10, 26, 4, 0, tzinfo=UTC),  # 04:00 GMT on the 26th: after
    ):
        give_prn(world, rx, at)
    the_25th = Period(dt.date(2026, 10, 25), dt.date(2026, 10, 26))
    assert the_25th.ends_at - the_25th.starts_at == dt.timedelta(hours=25)
    assert value("prn_given", world, the_25th).value == 2
    assert len(records("prn_given", world, the_25th)) == 2
    assert value("prn_given", world, Period(dt.date(2026, 10, 24), dt.date(2026, 10, 27))).value == 4


INCIDENT_AT = dt.datetime(2026, 6, 10, 9, 0, tzinfo=UTC)


def _incident(world, *, kind: str, harm: str, occurred_at: dt.datetime):
    with time_machine.travel(occurred_at + dt.timedelta(hours=1), tick=False):
        return incident_report(
            by=world.tia,
            data=IncidentInput(
                kind=kind,
                what_happened="Found on the round",
                occurred_at=occurred_at,
                discovered_at=occurred_at,
                harm=harm,
                person_id=world.ada.pk,
            ),
        )


def test_incidents_by_type_and_by_harm(world):
    _incident(world, kind="omission", harm="none", occurred_at=INCIDENT_AT)
    _incident(world, kind="omission", harm="low", occurred_at=INCIDENT_AT + DAY)
    _incident(world, kind="wrong_dose", harm="moderate", occurred_at=INCIDENT_AT + 2 * DAY)
    # 23:30 UTC on the 12th is 00:30 BST on the 13th: outside a period ending with the 12th.
    _incident(world, kind="wrong_time", harm="none", occurred_at=dt.datetime(2026, 6, 12, 23, 30, tzinfo=UTC))
    p = Period(dt.date(2026, 6, 10), dt.date(2026, 6, 13))
    figure = value("incidents", world, p)
    assert figure.value == 3
    assert figure.parts["by_type"]["omission"] == 2 and figure.parts["by_type"]["wrong_dose"] == 1
    assert figure.parts["by_type"]["wrong_time"] == 0
    assert figure.parts["by_harm"] == {"none": 1, "low": 1, "moderate": 1, "severe": 0, "death": 0}
    assert len(records("incidents", world, p)) == 3


def _alert(world, n: int, raised_at: dt.datetime, *, acknowledged: int | None, escalated: int | None = None):
    return Alert.objects.create(
        kind="overdue_dose",
        severity="medium",
        key=f"test-{n}",
        location=world.home,
        person=world.ada,
        summary="Overdue",
        raised_at=raised_at,
        status="open" if acknowledged is None else "acknowledged",
        acknowledged_by=None if acknowledged is None else world.sam,
        acknowledged_at=None if acknowledged is None else raised_at + acknowledged * MINUTE,
        escalated_at=None if escalated is None else raised_at + escalated * MINUTE,
    )


def test_median_minutes_to_acknowledge_and_to_escalate(world):
    at = dt.datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
    _alert(world, 1, at, acknowledged=10, escalated=30)
    _alert(world, 2, at + DAY, acknowledged=20)
    _alert(world, 3, at + DAY, acknowledged=45, escalated=90)
    _alert(world, 4, at + DAY, acknowledged=None)  # never acknowledged: left out
    _alert(world, 5, at + 30 * DAY, acknowledged=1)  # raised after the period
    p = Period(dt.date(2026, 6, 10), dt.date(2026, 6, 17))
    acknowledged = value("alert_acknowledged_minutes", world, p)
    assert (acknowledged.value, acknowledged.denominator) == (20.0, 3)
    escalated = value("alert_escalated_minutes", world, p)
    assert (escalated.value, escalated.denominator) == (60.0, 2)
    assert [r.counted for r in records("alert_escalated_minutes", world, p)] == ["30 minutes", "90 minutes"]


def test_open_and_overdue_corrective_actions_at_the_periods_end(world):
    incident = _incident(world, kind="omission", harm="none", occurred_at=INCIDENT_AT)
    with time_machine.travel(INCIDENT_AT + 2 * dt.timedelta(hours=1), tick=False):
        done = incident_action_add(
            incident=incident,
            by=world.tia,
            kind="training",
            what="Refresher",
            owner_id=world.carla.pk,
            due_on=dt.date(2026, 6, 12),
        )
        incident_action_add(
            incident=incident,
            by=world.tia,
            kind="supervision",
            what="Observe a round",
            owner_id=world.carla.pk,
            due_on=dt.date(2026, 6, 14),
        )
    with time_machine.travel(dt.datetime(2026, 6, 20, 9, 0, tzinfo=UTC), tick=False):
        action_complete(action=done, by=world.carla, note="Done late")
    # At the end of 15 June both were open; the first was due by the 12th: overdue. The second due the 14th.
    to_the_15th = Period(dt.date(2026, 6, 9), dt.date(2026, 6, 16))
    assert value("open_actions", world, to_the_15th).value == 2
    assert value("overdue_actions", world, to_the_15th).value == 2
    to_the_13th = Period(dt.date(2026, 6, 7), dt.date(2026, 6, 14))
    assert value("overdue_actions", world, to_the_13th).value == 1
    # After the 20th the first is completed: one open, overdue.
    to_the_21st = Period(dt.date(2026, 6, 15), dt.date(2026, 6, 22))
    assert value("open_actions", world, to_the_21st).value == 1
    assert len(records("overdue_actions", world, to_the_21st)) == 1
    # Now, in the middle of a period not ended: counted as of now.
    now = dt.datetime(2026, 6, 11, 12, 0, tzinfo=UTC)
    assert value("overdue_actions", world, Period(dt.date(2026, 6, 5), dt.date(2026, 6, 19)), now).value == 0


def test_every_figure_agrees_with_the_records_behind_it(world, june):
    from carebook.reports.compliance import prompt_compliance

    for key, figure in figures.FIGURES.items():
        computed = figure.compute([world.home.pk], SIX_DAYS, LATER)
        listed = figure.records([world.home.pk], SIX_DAYS, LATER)
        if key == "prompt_compliance":  # its records: the doses recorded without their full prompts (ADR 0030)
            total = prompt_compliance(location_id=world.home.pk, start=SIX_DAYS.start, end=SIX_DAYS.end).total
            assert len(listed) == total.without_full_prompts > 0, key
            continue
        expected = (
            computed.denominator
            if computed.numerator is not None or figure.definition.unit == "minutes"
            else computed.value
        )
        assert len(listed) == (expected or 0), key


def _more_people(world, n: int) -> None:
    with time_machine.travel(FIRST_DUE - dt.timedelta(hours=12), tick=False):
        made = []
        for _ in range(n):
            person = PersonFactory(location=world.home)
            rx = prescribe(person, MedicineFactory(), by=world.sam, checker=world.tia)
            made.append(rx)
    for rx in made:
        record(world, dose(rx, JUNE), "given", FIRST_DUE + 5 * MINUTE)
        record(world, dose(rx, JUNE + DAY), "refused_final", FIRST_DUE + DAY + 5 * MINUTE)


def test_the_figures_query_count_does_not_grow_with_the_number_of_people(world):
    counts = {}
    for more, total in ((2, 2), (8, 10)):
        _more_people(world, more)
        with CaptureQueriesContext(connection) as ctx:
            for figure in figures.FIGURES.values():
                figure.compute([world.home.pk], SIX_DAYS, LATER)
        counts[total] = len(ctx.captured_queries)
        assert value("refusals", world, SIX_DAYS).value == total
    assert counts[2] == counts[10] <= 2 * len(figures.FIGURES), counts


def test_the_direction_uses_higher_is_better():
    assert rules.direction(90.0, 80.0, higher_is_better=True) == rules.Direction.BETTER
    assert rules.direction(3.0, 1.0, higher_is_better=False) == rules.Direction.WORSE
    assert rules.direction(2.0, 2.0, higher_is_better=False) == rules.Direction.SAME
    assert rules.direction(None, 2.0, higher_is_better=False) == rules.Direction.UNKNOWN


def test_prompt_compliance_is_on_the_dashboard_from_the_medication_apps_one_function(world):
    """The registry's prompt-compliance figure is the medication app's figure summed over the period, not a copy."""
    from carebook.reports.compliance import prompt_compliance
    from carebook.reports.figures import FIGURES
    from carebook.reports.rules import Period
    from carebook.testing.factories import MedicineFactory, prescribe

    with time_machine.travel(dt.datetime(2026, 6, 9, 19, 0, tzinfo=dt.UTC), tick=False):
        rx = prescribe(world.ada, MedicineFactory(name="Ramipril"), by=world.sam, checker=world.tia)
    dose = DueDose.objects.get(prescription=rx, local_date=dt.date(2026, 6, 10))
    prompts = [medication_rules.Answer(p, "confirmed") for p in medication_rules.prompts_for("")]
    with time_machine.travel(dt.datetime(2026, 6, 10, 7, 5, tzinfo=dt.UTC), tick=False):
        administration_record(by=world.carla, outcome="given", prompts=prompts, due_dose=dose)
    p = Period(dt.date(2026, 6, 8), dt.date(2026, 6, 15))
    value = FIGURES["prompt_compliance"].compute([world.home.pk], p, dt.datetime(2026, 6, 16, tzinfo=dt.UTC))
    total = prompt_compliance(location_id=world.home.pk, start=p.start, end=p.end).total
    assert total.shown > 0 and (value.numerator, value.denominator) == (total.confirmed, total.shown)
    assert value.value == float(total.rate) and sum(w.denominator or 0 for w in value.weeks) == total.shown
