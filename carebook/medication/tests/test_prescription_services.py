"""Prescription workflows through the services: versions, due doses, checks, roles, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from carebook.audit_log.models import AuditEvent
from carebook.core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from carebook.medication import rules
from carebook.medication.models import (
    Administration,
    DueDose,
    Prescription,
    PrescriptionEvent,
    PrescriptionStatus,
    TranscriptionCheck,
)
from carebook.medication.services import prescriptions as services
from carebook.medication.services.administrations import administration_record
from carebook.medication.services.prescriptions import PrescriptionInput
from carebook.testing.factories import MedicineFactory, prescribe

DAY_BEFORE = dt.datetime(2026, 6, 9, 9, 0, tzinfo=dt.UTC)  # 10:00 BST on 9 June
EIGHT_AM = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)  # 08:00 BST on 10 June
NOON = dt.datetime(2026, 6, 10, 11, 0, tzinfo=dt.UTC)  # 12:00 BST


def data(medicine, **overrides) -> PrescriptionInput:
    fields = {
        "medicine_id": medicine.pk,
        "dose_min": "1",
        "route": "oral",
        "directions": "ONE tablet at 08:00, 10:00 and 20:00",
        "schedule_kind": "fixed_times",
        "times": ["08:00", "10:00", "20:00"],
        "prescriber": "Dr A Khan",
        "source": "gp",
    }
    fields.update(overrides)
    return PrescriptionInput(**fields)


def confirmed() -> list[rules.Answer]:
    return [rules.Answer(p, "confirmed") for p in rules.prompts_for("")]


def counts() -> tuple[int, int, int, int, int]:
    return (
        Prescription.objects.count(),
        PrescriptionEvent.objects.count(),
        TranscriptionCheck.objects.count(),
        AuditEvent.objects.count(),
        DueDose.objects.exclude(state="withdrawn").count(),
    )


@pytest.fixture
def medicine(db):
    return MedicineFactory(name="Amlodipine", strength="5 mg")


@pytest.fixture
def given_at_eight(world, medicine):
    """Ada's prescription entered yesterday and checked; today's 08:00 dose given; 10:00 left unrecorded."""
    with time_machine.travel(DAY_BEFORE, tick=False):
        rx = services.prescription_create(person=world.ada, by=world.sam, data=data(medicine))
        services.prescription_check_transcription(prescription=rx, by=world.tia)
    eight = DueDose.objects.get(prescription=rx, local_date=dt.date(2026, 6, 10), local_time=dt.time(8))
    with time_machine.travel(EIGHT_AM, tick=False):
        administration_record(by=world.carla, due_dose=eight, outcome="given", prompts=confirmed())
    rx.refresh_from_db()
    return rx


def slot(rx: Prescription, day: int, hour: int) -> DueDose:
    return DueDose.objects.get(prescription=rx, local_date=dt.date(2026, 6, day), local_time=dt.time(hour))


# --- Enter ------------------------------------------------------------------------------------------


@time_machine.travel(DAY_BEFORE, tick=False)
def test_create_writes_the_entry_its_event_its_audit_and_due_doses_ahead(world, medicine):
    rx = services.prescription_create(person=world.ada, by=world.sam, data=data(medicine, dose_max="2"))
    assert rx.status == PrescriptionStatus.ACTIVE and rx.transcription_check_required
    assert rx.entered_by == world.sam and rx.entered_at == DAY_BEFORE and rx.dose_unit == "tablet"
    assert list(PrescriptionEvent.objects.filter(prescription=rx).values_list("kind", flat=True)) == ["created"]
    audit = AuditEvent.objects.get(action="prescription.created")
    assert audit.actor == world.sam and audit.entity_id == str(rx.pk) and Decimal(audit.after["dose_max"]) == 2
    assert audit.location == world.home and audit.at == DAY_BEFORE
    last = DueDose.objects.filter(prescription=rx).order_by("-scheduled_at").first()
    assert last.scheduled_at - DAY_BEFORE >= dt.timedelta(hours=48)
    assert not DueDose.objects.filter(prescription=rx, scheduled_at__lt=DAY_BEFORE).exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"medicine_id": 999999}, "medicine_id"),
        ({"dose_min": "0"}, "dose_min"),
        ({"dose_min": "abc"}, "dose_min"),
        ({"dose_min": "1.0001"}, "dose_min"),
        ({"dose_max": "0.5"}, "dose_max"),
        ({"directions": " "}, "directions"),
        ({"prescriber": ""}, "prescriber"),
        ({"schedule_kind": "hourly"}, "schedule_kind"),
        ({"source": "pharmacy"}, "source"),
        ({"required_check": "temperature"}, "required_check"),
        ({"times": []}, "times"),
        ({"times": ["8am"]}, "times"),
        ({"times": ["08:00", "08:00"]}, "times"),
        ({"schedule_kind": "days_of_week", "days_of_week": []}, "days_of_week"),
        ({"schedule_kind": "days_of_week", "days_of_week": [7]}, "days_of_week"),
        ({"schedule_kind": "every_n_days", "interval_days": None}, "interval_days"),
        ({"schedule_kind": "every_n_days", "interval_days": 0}, "interval_days"),
        (
            {"schedule_kind": "prn", "times": [], "prn_min_interval_minutes": 240, "prn_max_quantity_24h": "8"},
            "indication",
        ),
        (
            {"schedule_kind": "prn", "times": [], "indication": "pain", "prn_max_quantity_24h": "8"},
            "prn_min_interval_minutes",
        ),
        (
            {"schedule_kind": "prn", "times": [], "indication": "pain", "prn_min_interval_minutes": 240},
            "prn_max_quantity_24h",
        ),
        (
            {
                "schedule_kind": "prn",
                "times": [],
                "indication": "pain",
                "prn_min_interval_minutes": 240,
                "prn_max_quantity_24h": "0.5",
            },
            "prn_max_quantity_24h",
        ),
        (
            {
                "schedule_kind": "prn",
                "indication": "pain",
                "prn_min_interval_minutes": 240,
                "prn_max_quantity_24h": "8",
            },
            "times",
        ),
        ({"start_date": dt.date(2025, 1, 1)}, "start_date"),
        ({"start_date": dt.date(2026, 6, 10), "end_date": dt.date(2026, 6, 9)}, "end_date"),
        ({"end_date": dt.date(2026, 7, 1), "course_days": 7}, "course_days"),
        ({"course_days": 0}, "course_days"),
    ],
)
@time_machine.travel(DAY_BEFORE, tick=False)
def test_each_invalid_entry_names_its_field_and_writes_nothing(world, medicine, overrides, field):
    before = counts()
    with pytest.raises(ValidationFailed) as err:
        services.prescription_create(person=world.ada, by=world.sam, data=data(medicine, **overrides))
    assert err.value.field == field and err.value.status == 422 and err.value.message
    assert counts() == before


@time_machine.travel(DAY_BEFORE, tick=False)
def test_a_course_is_counted_in_doses_and_patches_every_three_days(world, medicine):
    # Entered at 10:00 on 9 June, three times a day for 3 days: the 10:00 dose is due now and is the first;
    # 9 doses end with 08:00 on the 12th (counting calendar days would have stopped at 20:00 on the 11th).
    course = services.prescription_create(person=world.ada, by=world.sam, data=data(medicine, course_days=3))
    assert course.course_doses == 9
    assert course.course_first_dose_at == dt.datetime(2026, 6, 9, 9, 0, tzinfo=dt.UTC)
    assert course.course_last_dose_at == dt.datetime(2026, 6, 12, 7, 0, tzinfo=dt.UTC)
    assert course.end_date == dt.date(2026, 6, 12)
    slots = list(DueDose.objects.filter(prescription=course).order_by("scheduled_at"))
    assert len(slots) == 9 and slots[-1].scheduled_at == course.course_last_dose_at
    patch = services.prescription_create(
        person=world.ada,
        by=world.sam,
        data=data(
            medicine, schedule_kind="every_n_days", interval_days=3, times=["09:00"], start_date=dt.date(2026, 6, 9)
        ),
    )
    days = sorted(DueDose.objects.filter(prescription=patch).values_list("local_date", flat=True))
    assert days and all((d - dt.date(2026, 6, 9)).days % 3 == 0 for d in days)


# --- Change: a new version ---------------------------------------------------------------------------


@time_machine.travel(NOON, tick=False)
def test_change_makes_a_new_version_withdraws_only_future_unrecorded_doses(world, medicine, given_at_eight):
    old = given_at_eight
    given = slot(old, 10, 8)
    missed = slot(old, 10, 10)  # past and unrecorded: it stays, to show as overdue or missed
    future_ids = list(DueDose.objects.filter(prescription=old, scheduled_at__gte=NOON).values_list("id", flat=True))
    assert future_ids
    new = services.prescription_change(
        prescription=old, by=world.tia, data=data(medicine, dose_min="2"), reason="Dose increased by GP"
    )
    old.refresh_from_db()
    given.refresh_from_db()
    missed.refresh_from_db()
    # The old version is unchanged in content, marked superseded, with the reason on its event
    assert old.status == PrescriptionStatus.SUPERSEDED and old.dose_min == Decimal("1")
    assert PrescriptionEvent.objects.get(prescription=old, kind="changed").reason == "Dose increased by GP"
    assert new.supersedes == old and new.dose_min == Decimal("2") and new.entered_by == world.tia
    assert PrescriptionEvent.objects.get(prescription=new, kind="created").reason == "Dose increased by GP"
    # The recorded dose is never touched; the past unrecorded one stays; the future ones are withdrawn
    assert given.state == DueDose.State.RECORDED
    assert Administration.objects.get(due_dose=given).status == Administration.Status.COMPLETED
    assert missed.state == DueDose.State.PENDING
    assert set(DueDose.objects.filter(id__in=future_ids).values_list("state", flat=True)) == {"withdrawn"}
    # The new version has its own doses from now, and needs its own transcription check
    assert DueDose.objects.filter(prescription=new, state="pending", scheduled_at__gte=NOON).exists()
    assert not DueDose.objects.filter(prescription=new, scheduled_at__lt=NOON).exists()
    assert not TranscriptionCheck.objects.filter(prescription=new).exists()
    # One audit event carries the before and the after
    audit = AuditEvent.objects.get(action="prescription.created", entity_id=str(new.pk))
    assert Decimal(audit.before["dose_min"]) == 1 and Decimal(audit.after["dose_min"]) == 2
    assert AuditEvent.objects.filter(action="prescription.superseded", entity_id=str(old.pk)).count() == 1


@time_machine.travel(NOON, tick=False)
def test_change_needs_a_reason_and_valid_directions_and_writes_nothing_otherwise(world, medicine, given_at_eight):
    before = counts()
    with pytest.raises(ValidationFailed) as err:
        services.prescription_change(prescription=given_at_eight, by=world.tia, data=data(medicine), reason=" ")
    assert err.value.field == "reason"
    with pytest.raises(ValidationFailed) as err:
        services.prescription_change(
            prescription=given_at_eight, by=world.tia, data=data(medicine, dose_min="0"), reason="GP"
        )
    assert err.value.field == "dose_min"
    assert counts() == before
    given_at_eight.refresh_from_db()
    assert given_at_eight.status == PrescriptionStatus.ACTIVE


@time_machine.travel(NOON, tick=False)
def test_a_superseded_or_discontinued_version_cannot_be_changed(world, medicine, given_at_eight):
    services.prescription_change(prescription=given_at_eight, by=world.tia, data=data(medicine), reason="GP")
    with pytest.raises(Conflict):
        services.prescription_change(prescription=given_at_eight, by=world.tia, data=data(medicine), reason="again")
    assert Prescription.objects.count() == 2


# --- Suspend, resume, discontinue ----------------------------------------------------------------------


@time_machine.travel(NOON, tick=False)
def test_suspend_withdraws_future_doses_and_resume_regenerates_them(world, given_at_eight):
    rx = given_at_eight
    services.prescription_suspend(prescription=rx, by=world.sam, reason="GP asked to hold")
    rx.refresh_from_db()
    assert rx.status == PrescriptionStatus.SUSPENDED
    assert not DueDose.objects.filter(prescription=rx, state="pending", scheduled_at__gte=NOON).exists()
    assert slot(rx, 10, 8).state == DueDose.State.RECORDED
    assert AuditEvent.objects.filter(action="prescription.suspended", entity_id=str(rx.pk)).count() == 1
    with time_machine.travel(NOON + dt.timedelta(hours=2), tick=False):
        services.prescription_resume(prescription=rx, by=world.sam, reason="GP restarted it")
    rx.refresh_from_db()
    assert rx.status == PrescriptionStatus.ACTIVE
    tonight = DueDose.objects.get(
        prescription=rx, local_date=dt.date(2026, 6, 10), local_time=dt.time(20), state="pending"
    )
    assert tonight.scheduled_at > NOON
    kinds = list(PrescriptionEvent.objects.filter(prescription=rx).values_list("kind", flat=True))
    assert kinds == ["created", "transcription_checked", "suspended", "resumed"]


@time_machine.travel(NOON, tick=False)
def test_discontinue_stops_for_good(world, given_at_eight):
    rx = given_at_eight
    with pytest.raises(ValidationFailed):
        services.prescription_discontinue(prescription=rx, by=world.sam, reason="")
    services.prescription_discontinue(prescription=rx, by=world.sam, reason="Stopped at medication review")
    rx.refresh_from_db()
    assert rx.status == PrescriptionStatus.DISCONTINUED
    assert not DueDose.objects.filter(prescription=rx, state="pending", scheduled_at__gte=NOON).exists()
    assert slot(rx, 10, 8).state == DueDose.State.RECORDED
    with pytest.raises(Conflict):
        services.prescription_resume(prescription=rx, by=world.sam, reason="restart")
    with pytest.raises(Conflict):
        services.prescription_suspend(prescription=rx, by=world.sam, reason="hold")


# --- The transcription check ------------------------------------------------------------------------------


@time_machine.travel(DAY_BEFORE, tick=False)
def test_the_enterer_cannot_do_the_transcription_check(world, medicine):
    rx = prescribe(world.ada, medicine, by=world.sam)
    before = counts()
    with pytest.raises(PermissionDenied) as err:
        services.prescription_check_transcription(prescription=rx, by=world.sam)
    assert err.value.code == "same_person"
    assert counts() == before
    check = services.prescription_check_transcription(prescription=rx, by=world.maria, note="Matches")
    assert check.checked_by == world.maria and check.checked_at == DAY_BEFORE
    assert AuditEvent.objects.filter(action="prescription.transcription_checked", actor=world.maria).count() == 1
    with pytest.raises(Conflict):
        services.prescription_check_transcription(prescription=rx, by=world.tia)
    assert TranscriptionCheck.objects.count() == 1


# --- Roles ---------------------------------------------------------------------------------------------------


@time_machine.travel(NOON, tick=False)
@pytest.mark.parametrize("persona", ["carla", "colin", "pat"])
def test_roles_that_may_not_manage_prescriptions_change_nothing(world, medicine, given_at_eight, persona):
    user = getattr(world, persona)
    rx = prescribe(world.ada, medicine, by=world.sam)  # awaiting its check
    before = counts()
    attempts = [
        lambda: services.prescription_create(person=world.ada, by=user, data=data(medicine)),
        lambda: services.prescription_change(prescription=given_at_eight, by=user, data=data(medicine), reason="x"),
        lambda: services.prescription_suspend(prescription=given_at_eight, by=user, reason="x"),
        lambda: services.prescription_discontinue(prescription=given_at_eight, by=user, reason="x"),
        lambda: services.prescription_check_transcription(prescription=rx, by=user),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied) as err:
            attempt()
        assert err.value.status == 403
    assert counts() == before


# --- Audit in the same transaction ------------------------------------------------------------------------------


@time_machine.travel(DAY_BEFORE, tick=False)
def test_a_failure_after_the_audit_event_rolls_back_the_whole_entry(world, medicine, monkeypatch):
    def fail(**kwargs):
        raise DomainError("The due doses could not be generated.")

    monkeypatch.setattr(services, "due_doses_generate", fail)
    with pytest.raises(DomainError):
        services.prescription_create(person=world.ada, by=world.sam, data=data(medicine))
    assert counts() == (0, 0, 0, 0, 0)


@time_machine.travel(NOON, tick=False)
def test_a_failed_change_leaves_the_old_version_active_and_unaudited(world, medicine, given_at_eight, monkeypatch):
    before = counts()
    pending_before = DueDose.objects.filter(prescription=given_at_eight, state="pending").count()

    def fail(**kwargs):
        raise DomainError("The due doses could not be generated.")

    monkeypatch.setattr(services, "due_doses_generate", fail)
    with pytest.raises(DomainError):
        services.prescription_change(prescription=given_at_eight, by=world.tia, data=data(medicine), reason="GP")
    given_at_eight.refresh_from_db()
    assert given_at_eight.status == PrescriptionStatus.ACTIVE
    assert DueDose.objects.filter(prescription=given_at_eight, state="pending").count() == pending_before
    assert counts() == before
