"""The figures' daily rollups always equal the figures read from the records (ADR 0033).

A property test: hypothesis draws what happened to each of a week's doses at two homes (given in time, given
late, refused, not available, never recorded; some written up hours later; a pulse check skipped now and then; a
when-required dose now and then; walks of prompts left unsaved), the rollups are built some days on, then more is
written about those old days (late entries for doses never recorded, records entered in error), and every dose
figure and the safety-prompt compliance (the figure, and the report by staff, unit, day, week and month) are
computed for random periods and moments, with the rollups and without: they agree, whatever was drawn. Then the
triggers that keep the change log are checked to be in the database (a later migration that rebuilds a table on
SQLite would drop them), and a change committed while a rollup is being built is seen.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carebook.access.models import Role
from carebook.medication import rules as medication_rules
from carebook.medication.models import DueDose
from carebook.medication.services.administrations import administration_record
from carebook.medication.services.administrations.correct import administration_mark_entered_in_error
from carebook.medication.services.showings import prompt_showing_open
from carebook.reports import compliance, figures, more_figures, rollups, triggers
from carebook.reports.models import DailyDoseRollup, DailyPromptRollup, RollupChange
from carebook.reports.rules import Period
from carebook.reports.tests.test_figures import confirmed, give_prn
from carebook.testing.factories import (
    LocationFactory,
    MedicineFactory,
    PersonFactory,
    UserFactory,
    prescribe,
    prescribe_paracetamol_prn,
)

UTC = dt.UTC
DAY = dt.timedelta(days=1)
MINUTE = dt.timedelta(minutes=1)
JUNE = dt.date(2026, 6, 1)
DAYS = 8
DOSE_FIGURES = ["on_time_rate", "omissions", "refusals", "late_entries", "prn_given", "prompt_compliance"]
REGULAR = 5  # regular prescriptions: four of an unchecked medicine, one of a medicine with a pulse check

# What happened to one dose: (outcome or None for never recorded, minutes after it was due, hours before it was
# written up).
HAPPENED = st.tuples(
    st.sampled_from(["given", "given", "given", "refused", "not_available", None]),
    st.sampled_from([-30, 5, 50, 130]),
    st.sampled_from([0, 0, 3]),
)


def answers(dose, *, skip_reading: bool = False) -> list[medication_rules.Answer]:
    """Every prompt of the dose's medicine confirmed (a pulse of 72), or its pulse skipped with a note."""
    out = []
    for p in medication_rules.prompts_for(dose.prescription.effective_check):
        if p not in medication_rules.READING_PROMPTS:
            out.append(medication_rules.Answer(p, "confirmed"))
        elif skip_reading:
            out.append(medication_rules.Answer(p, "skipped", note="Asleep: no pulse taken."))
        else:
            out.append(medication_rules.Answer(p, "confirmed", value=Decimal("72")))
    return out


def record(world, dose, outcome: str, at: dt.datetime, *, administered_at=None, by=None, skip_reading=False):
    with time_machine.travel(at, tick=False):
        return administration_record(
            by=by or (world.carla if dose.location_id == world.home.pk else CARERS[dose.location_id]),
            outcome=outcome,
            prompts=answers(dose, skip_reading=skip_reading) if outcome == "given" else confirmed(),
            due_dose=dose,
            reason="" if outcome == "given" else "Said no",
            administered_at=administered_at,
        ).administration


CARERS: dict[object, object] = {}


class Pharmacy:
    """Two homes, two people each, a regular medicine at 08:00 BST (and one with a pulse check for Bert), and
    paracetamol when required."""

    def __init__(self, world, *, pulse: bool = False) -> None:
        self.world = world
        self.beech = LocationFactory(provider=world.provider, name="Beech Court")
        self.beech_senior = UserFactory(role=Role.SENIOR_CARER, at=self.beech, provider=world.provider)
        self.beech_leader = UserFactory(role=Role.TEAM_LEADER, at=self.beech, provider=world.provider)
        CARERS[self.beech.pk] = UserFactory(role=Role.CARE_WORKER, at=self.beech, provider=world.provider)
        with time_machine.travel(dt.datetime(2026, 5, 31, 12, 0, tzinfo=UTC), tick=False):
            people = [
                (world.ada, world.sam, world.tia),
                (world.bert, world.sam, world.tia),
                (PersonFactory(location=self.beech), self.beech_senior, self.beech_leader),
                (PersonFactory(location=self.beech), self.beech_senior, self.beech_leader),
            ]
            self.regular = [prescribe(p, MedicineFactory(), by=by, checker=checker) for p, by, checker in people]
            if pulse:
                self.regular.append(
                    prescribe(world.bert, MedicineFactory(required_check="pulse"), by=world.sam, checker=world.tia)
                )
            self.prn = prescribe_paracetamol_prn(world.ada, by=world.sam, checker=world.tia)
        self.locations = [world.home.pk, self.beech.pk]

    def doses(self) -> list[DueDose]:
        return list(
            DueDose.objects.filter(prescription__in=self.regular, local_date__lt=JUNE + DAY * DAYS)
            .exclude(state="withdrawn")
            .select_related("prescription__medicine")
            .order_by("local_date", "prescription_id")
        )


def _figures(locations, p: Period, as_of: dt.datetime, *, use: bool) -> dict[str, object]:
    """Every dose figure and the prompt compliance, by the figures' own functions, told to read the records only
    (``use=False``) or the rollups where built; and the compliance report of each home, by every grouping."""
    originals = (rollups.day_counts, more_figures.prompt_counts)
    seen: dict[str, object] = {}

    def counts(*args, **kwargs):
        return originals[0](*args, **{**kwargs, "use_rollups": use})

    def prompt_counts(*args, **kwargs):
        return originals[1](*args, **{**kwargs, "use_rollups": use})

    rollups.day_counts, more_figures.prompt_counts = counts, prompt_counts
    try:
        for key in DOSE_FIGURES:
            v = figures.FIGURES[key].compute(locations, p, as_of)
            seen[key] = (v.value, v.numerator, v.denominator, [(w.start, w.value) for w in v.weeks])
    finally:
        rollups.day_counts, more_figures.prompt_counts = originals
    for location_id in locations:
        for group_by in compliance.GROUPINGS:
            report = compliance.prompt_compliance(
                location_id=location_id, start=p.start, end=p.end, group_by=group_by, use_rollups=use
            )
            seen[f"{location_id} {group_by}"] = [(r.key, r.label, r.figures) for r in report.rows]
    return seen


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    happened=st.lists(HAPPENED, min_size=DAYS * REGULAR, max_size=DAYS * REGULAR),
    later=st.lists(st.booleans(), min_size=DAYS * REGULAR, max_size=DAYS * REGULAR),
    skips=st.lists(st.booleans(), min_size=DAYS * REGULAR, max_size=DAYS * REGULAR),
    prn_days=st.sets(st.integers(0, DAYS - 1), max_size=5),
    unsaved_days=st.sets(st.integers(0, DAYS - 1), max_size=4),
    periods=st.lists(st.tuples(st.integers(0, DAYS - 1), st.integers(1, DAYS)), min_size=2, max_size=4),
)
def test_the_rollups_equal_the_figures_read_from_the_records(
    world, happened, later, skips, prn_days, unsaved_days, periods
):
    with transaction.atomic():
        pharmacy = Pharmacy(world, pulse=True)
        doses = pharmacy.doses()
        written = []
        for dose, (outcome, minutes, hours), skip in zip(doses, happened, skips, strict=False):
            if outcome is None:
                written.append(None)
                continue
            given_at = dose.scheduled_at + minutes * MINUTE
            written.append(
                record(
                    world,
                    dose,
                    outcome,
                    given_at + hours * dt.timedelta(hours=1),
                    administered_at=given_at if hours else None,
                    skip_reading=skip,
                )
            )
        for day in sorted(unsaved_days):  # a walk of prompts begun and never saved, by a carer at each home
            for rx in (pharmacy.regular[0], pharmacy.regular[2]):
                with time_machine.travel(dt.datetime.combine(JUNE + DAY * day, dt.time(22, 30), tzinfo=UTC)):
                    prompt_showing_open(
                        user=world.carla if rx.person.location_id == world.home.pk else CARERS[pharmacy.beech.pk],
                        prescription=rx,
                        person=rx.person,
                        due_dose=None,
                    )
        for day in sorted(prn_days):
            give_prn(world, pharmacy.prn, dt.datetime.combine(JUNE + DAY * day, dt.time(14, 0), tzinfo=UTC))
        built_at = dt.datetime.combine(JUNE + DAY * DAYS, dt.time(12, 0), tzinfo=UTC)
        assert rollups.build_rollups(now=built_at) > 0
        # A day on, more is written about those days: a late entry for a dose never recorded (within the week a
        # late entry is allowed), a record found wrong.
        after = built_at + DAY
        with time_machine.travel(after, tick=False):
            for dose, record_, again in zip(doses, written, later, strict=False):
                if not again:
                    continue
                if record_ is None and dose.scheduled_at > after - 6 * DAY:
                    record(world, dose, "given", after, administered_at=dose.scheduled_at + 10 * MINUTE)
                elif record_ is not None and record_.outcome == "given":
                    administration_mark_entered_in_error(administration=record_, by=record_.recorded_by, reason="Wrong")
        for start, length in periods:
            p = Period(JUNE + DAY * start, JUNE + DAY * min(start + length, DAYS + 3))
            for as_of in (built_at, after + DAY):
                assert _figures(pharmacy.locations, p, as_of, use=True) == _figures(
                    pharmacy.locations, p, as_of, use=False
                ), (p, as_of)
        # The job consumes the changes and builds again: still equal, and the rollups are read.
        rollups.build_rollups(now=after + DAY)
        assert not RollupChange.objects.exists()
        p = Period(JUNE, JUNE + DAY * DAYS)
        assert _figures(pharmacy.locations, p, after + DAY, use=True) == _figures(
            pharmacy.locations, p, after + DAY, use=False
        )
        assert DailyDoseRollup.objects.filter(location_id__in=pharmacy.locations).count() >= DAYS * 2
        assert DailyPromptRollup.objects.filter(location_id__in=pharmacy.locations).exists()
        transaction.set_rollback(True)


def test_the_change_log_triggers_are_in_the_database(db):
    assert triggers.installed(connection) == set(triggers.TRIGGERS)


def test_a_day_is_read_from_its_rollup_only_once_settled_and_unchanged(world):
    pharmacy = Pharmacy(world)
    ada, bert = (
        DueDose.objects.get(prescription=pharmacy.regular[n], local_date=JUNE) for n in (0, 1)
    )  # 1 June's doses of Ada and Bert, at Oakfield House
    record(world, ada, "given", ada.scheduled_at + 5 * MINUTE)
    built_at = dt.datetime(2026, 6, 3, 12, 0, tzinfo=UTC)
    rollups.build_rollups(now=built_at)
    day = DailyDoseRollup.objects.get(location_id=world.home.pk, local_date=JUNE)
    assert (day.due, day.on_time) == (2, 1)  # Bert's dose was never recorded
    one_day = Period(JUNE, JUNE + DAY)
    # As of a moment before the day settled, the rollup (2 due) is not used: the records say 1 (Ada's, recorded;
    # Bert's window had not closed then).
    assert rollups.day_counts([world.home.pk], one_day, dt.datetime(2026, 5, 1, tzinfo=UTC))[JUNE].due == 1
    # A late entry for Bert's dose, committed after the rollup was built: its change is waiting, so the day is read
    # from the records until the job has consumed it and built the day again.
    record(world, bert, "given", built_at + DAY, administered_at=bert.scheduled_at + 5 * MINUTE)
    assert RollupChange.objects.filter(location_id=world.home.pk, local_date=JUNE).exists()
    assert rollups.day_counts([world.home.pk], one_day, built_at + DAY)[JUNE].on_time == 2
    rollups.build_rollups(now=built_at + DAY)
    day = DailyDoseRollup.objects.get(location_id=world.home.pk, local_date=JUNE)
    assert (day.due, day.on_time, day.late_entries) == (2, 2, 1)


@pytest.mark.parametrize("hour, days", [(12, {dt.date(2026, 6, 2)}), (23, {dt.date(2026, 6, 2), dt.date(2026, 6, 3)})])
def test_a_when_required_dose_marks_the_day_it_was_given(world, hour, days):
    pharmacy = Pharmacy(world)
    RollupChange.objects.all().delete()
    give_prn(world, pharmacy.prn, dt.datetime(2026, 6, 2, hour, 30, tzinfo=UTC))
    marked = set(RollupChange.objects.values_list("local_date", flat=True))
    # 23:30 UTC is 00:30 BST the next day: PostgreSQL marks that day; SQLite, with no time zones, marks both.
    assert marked & days and marked <= days
