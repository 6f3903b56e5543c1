"""Each medication write announces what happened, after it commits, for the apps that come later."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from carebook.core.errors import DomainError
from carebook.core.events import declared_events, subscribe, unsubscribe
from carebook.medication import rules
from carebook.medication.events import (
    DoseRecorded,
    DosesWithdrawn,
    PrescriptionChange,
    PrescriptionChanged,
    PrnFollowUpRecorded,
    ReadingOutsideRule,
    RecordEnteredInError,
)
from carebook.medication.models import DueDose
from carebook.medication.services.administrations import (
    administration_mark_entered_in_error,
    administration_record,
    prn_follow_up_record,
)
from carebook.medication.services.prescriptions import (
    PrescriptionInput,
    prescription_change,
    prescription_discontinue,
    prescription_resume,
    prescription_suspend,
)
from carebook.testing.factories import MedicineFactory, prescribe, prescribe_paracetamol_prn

MORNING = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)  # 08:00 BST
ANSWERS = [
    rules.Answer(p, "confirmed", Decimal("72") if p in rules.READING_PROMPTS else None) for p in rules.prompts_for("")
]


@pytest.fixture
def heard():
    """Everything the medication app announces, in order, as a subscriber hears it after each commit.

    The test's own transaction never commits: ``django_capture_on_commit_callbacks(execute=True)``
    runs what would run at the commit.
    """
    events: list = []
    entries = [
        subscribe(kind, events.append, name=f"test.heard.{kind.event_name}")
        for kind in declared_events()
        if kind.event_name.startswith("medication.")
    ]
    yield events
    for entry in entries:
        unsubscribe(entry)


def test_the_medication_events_are_declared():
    names = {kind.event_name for kind in declared_events()}
    assert {
        "medication.dose_recorded",
        "medication.record_entered_in_error",
        "medication.doses_withdrawn",
        "medication.prescription_changed",
        "medication.prn_follow_up_recorded",
        "medication.reading_outside_rule",
    } <= names
    assert ReadingOutsideRule.event_name == "medication.reading_outside_rule"


def test_a_prescription_announces_each_change_in_its_life(world, heard, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        time_machine.travel(MORNING - dt.timedelta(hours=1), tick=False),
    ):
        ramipril = MedicineFactory(name="Ramipril")
        rx = prescribe(world.ada, ramipril, by=world.sam, checker=world.tia, times=["08:00", "20:00"])
    with django_capture_on_commit_callbacks(execute=True), time_machine.travel(MORNING, tick=False):
        new = prescription_change(
            prescription=rx,
            by=world.tia,
            data=PrescriptionInput(
                medicine_id=ramipril.pk, dose_min="2", directions="Two each morning", times=["08:00"], prescriber="GP"
            ),
            reason="Dose increased by GP",
        )
        prescription_suspend(prescription=new, by=world.sam, reason="BP low: GP asked to hold")
        prescription_resume(prescription=new, by=world.sam, reason="GP said restart")
        prescription_discontinue(prescription=new, by=world.sam, reason="Stopped at review")

    changes = [(e.change, e.prescription_id) for e in heard if isinstance(e, PrescriptionChanged)]
    assert changes == [
        (PrescriptionChange.CREATED, rx.pk),
        (PrescriptionChange.TRANSCRIPTION_CHECKED, rx.pk),
        (PrescriptionChange.NEW_VERSION, new.pk),
        (PrescriptionChange.SUSPENDED, new.pk),
        (PrescriptionChange.RESUMED, new.pk),
        (PrescriptionChange.DISCONTINUED, new.pk),
    ]
    new_version = next(e for e in heard if isinstance(e, PrescriptionChanged) and e.change == "new_version")
    assert new_version.previous_id == rx.pk and new_version.by_id == world.tia.pk and new_version.at == MORNING
    assert all(e.person_id == world.ada.pk and e.location_id == world.home.pk for e in heard)

    withdrawn = [e for e in heard if isinstance(e, DosesWithdrawn)]
    assert [e.reason for e in withdrawn] == [
        "Prescription changed",
        "Prescription suspended",
        "Prescription discontinued",
    ]
    assert set(withdrawn[0].due_dose_ids) == set(
        DueDose.objects.filter(prescription=rx, state=DueDose.State.WITHDRAWN).values_list("pk", flat=True)
    )


def test_a_dose_not_given_and_its_correction_are_announced(world, heard, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        time_machine.travel(MORNING - dt.timedelta(days=1), tick=False),
    ):
        rx = prescribe(world.ada, MedicineFactory(name="Ramipril"), by=world.sam, checker=world.tia)
    dose = DueDose.objects.get(prescription=rx, local_date=dt.date(2026, 6, 10))
    heard.clear()
    with django_capture_on_commit_callbacks(execute=True), time_machine.travel(MORNING, tick=False):
        refused = administration_record(
            by=world.carla, due_dose=dose, outcome="refused", reason="Said she felt sick", prompts=ANSWERS[:1]
        ).administration
    with (
        django_capture_on_commit_callbacks(execute=True),
        time_machine.travel(MORNING + dt.timedelta(minutes=5), tick=False),
    ):
        administration_mark_entered_in_error(administration=refused, by=world.sam, reason="It was Bert who refused")

    recorded, corrected = heard
    assert isinstance(recorded, DoseRecorded) and isinstance(corrected, RecordEnteredInError)
    assert recorded.outcome == "refused" and not recorded.taken and recorded.due_dose_id == dose.pk
    assert recorded.recorded_at == MORNING and recorded.recorded_by_id == world.carla.pk
    assert corrected.administration_id == refused.pk and corrected.due_dose_id == dose.pk
    assert corrected.by_id == world.sam.pk and corrected.at == MORNING + dt.timedelta(minutes=5)


def test_a_when_required_dose_and_its_follow_up_are_announced(world, heard, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        time_machine.travel(MORNING - dt.timedelta(days=1), tick=False),
    ):
        rx = prescribe_paracetamol_prn(world.ada, by=world.sam, checker=world.tia)
    heard.clear()
    with django_capture_on_commit_callbacks(execute=True), time_machine.travel(MORNING, tick=False):
        given = administration_record(
            by=world.carla,
            prescription=rx,
            outcome="given",
            prompts=ANSWERS,
            dose_given=Decimal("2"),
            prn_reason="Knee pain",
        ).administration
    with (
        django_capture_on_commit_callbacks(execute=True),
        time_machine.travel(MORNING + dt.timedelta(minutes=45), tick=False),
    ):
        follow_up = prn_follow_up_record(administration=given, by=world.carla, effect="effective")

    recorded, followed = heard
    assert isinstance(recorded, DoseRecorded) and recorded.due_dose_id is None and recorded.taken
    assert followed == PrnFollowUpRecorded(
        follow_up_id=follow_up.pk,
        administration_id=given.pk,
        person_id=world.ada.pk,
        location_id=world.home.pk,
        effect="effective",
        recorded_by_id=world.carla.pk,
        at=MORNING + dt.timedelta(minutes=45),
    )


def test_a_refused_write_announces_nothing(world, heard, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        time_machine.travel(MORNING - dt.timedelta(days=1), tick=False),
    ):
        rx = prescribe(world.ada, MedicineFactory(name="Ramipril"), by=world.sam, checker=world.tia)
    heard.clear()
    with (
        django_capture_on_commit_callbacks(execute=True),
        time_machine.travel(MORNING, tick=False),
        pytest.raises(DomainError),
    ):
        prescription_suspend(prescription=rx, by=world.sam, reason=" ")
    assert heard == []


def test_a_reading_beyond_the_prescribers_limit_is_announced_with_the_withheld_dose(
    world, heard, django_capture_on_commit_callbacks
):
    medicine = MedicineFactory(name="Digoxin", strength="125 micrograms", required_check="pulse")
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        digoxin = prescribe(
            world.ada,
            medicine,
            by=world.sam,
            checker=world.tia,
            reading_below="60",
            reading_below_action="withhold",
            reading_plan="Tell the senior on shift and the GP surgery the same day.",
        )
    dose = DueDose.objects.get(prescription=digoxin, local_date=MORNING.date())
    prompts = [
        rules.Answer(p, "confirmed", Decimal("52") if p == "pulse" else None) for p in rules.prompts_for("pulse")
    ]
    with django_capture_on_commit_callbacks(execute=True), time_machine.travel(MORNING, tick=False):
        record = administration_record(
            by=world.carla, due_dose=dose, outcome="not_required", prompts=prompts, reason="Pulse 52: withheld."
        ).administration
    outside = [e for e in heard if isinstance(e, ReadingOutsideRule)]
    assert len(outside) == 1
    assert outside[0].administration_id == record.pk and outside[0].value == Decimal("52")
    assert outside[0].reading == "pulse" and "below 60" in outside[0].rule
