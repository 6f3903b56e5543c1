"""A course is counted in doses (ADR 0020): through the services, the background job and a change mid-course.

Dr Khan prescribes Addie amoxicillin three times a day for 7 days. Sam enters it at 12:30 on Monday 1 June:
the 08:00 dose has gone, so the first dose is 14:00 and the 21st and last is 08:00 the next Monday.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from carebook.core.clock import LONDON
from carebook.core.errors import ValidationFailed
from carebook.medication import rules
from carebook.medication.api.testing import api_as
from carebook.medication.models import DueDose, Prescription
from carebook.medication.services import prescriptions as services
from carebook.medication.services.administrations import administration_record
from carebook.medication.services.doses import due_doses_extend_horizon
from carebook.testing.factories import MedicineFactory, prescribe

MONDAY = dt.date(2026, 6, 1)


def local(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hh, mm, tzinfo=LONDON).astimezone(dt.UTC)


ENTERED = local(MONDAY, 12, 30)
TDS = ["08:00", "14:00", "20:00"]


def amoxicillin(world, **overrides) -> Prescription:
    with time_machine.travel(ENTERED, tick=False):
        return prescribe(
            world.ada,
            MedicineFactory(name="Amoxicillin", strength="500 mg", form="capsule", dose_unit="capsule"),
            by=world.sam,
            checker=world.tia,
            times=TDS,
            course_days=7,
            directions="ONE capsule three times a day for 7 days",
            **overrides,
        )


def run_the_job_until(end: dt.datetime) -> None:
    """The worker's horizon job, every 6 hours from entry until ``end``."""
    at = ENTERED
    while at <= end:
        with time_machine.travel(at, tick=False):
            due_doses_extend_horizon()
        at += dt.timedelta(hours=6)


def live_slots(*prescriptions: Prescription) -> list[DueDose]:
    return list(
        DueDose.objects.filter(prescription__in=prescriptions).exclude(state="withdrawn").order_by("scheduled_at")
    )


def test_a_course_begun_at_midday_ends_at_midday_a_week_later_with_21_doses(world):
    rx = amoxicillin(world)
    assert rx.course_doses == 21
    assert rx.course_first_dose_at == local(MONDAY, 14)
    assert rx.course_last_dose_at == local(MONDAY + dt.timedelta(days=7), 8)
    assert rx.end_date == MONDAY + dt.timedelta(days=7)  # the day of the last dose


def test_the_background_job_stops_after_the_last_dose(world):
    rx = amoxicillin(world)
    run_the_job_until(ENTERED + dt.timedelta(days=12))
    slots = live_slots(rx)
    assert len(slots) == 21
    assert slots[0].scheduled_at == local(MONDAY, 14) and slots[-1].scheduled_at == local(
        MONDAY + dt.timedelta(days=7), 8
    )


def test_the_last_dose_of_the_course_can_be_given_and_nothing_follows_it(world):
    rx = amoxicillin(world)
    run_the_job_until(ENTERED + dt.timedelta(days=8))
    last = live_slots(rx)[-1]
    with time_machine.travel(last.scheduled_at, tick=False):
        administration_record(
            by=world.carla,
            due_dose=last,
            outcome="given",
            prompts=[rules.Answer(p, "confirmed") for p in rules.prompts_for("")],
        )
    assert not DueDose.objects.filter(prescription=rx, scheduled_at__gt=last.scheduled_at).exists()


def test_a_change_mid_course_continues_the_count(world):
    """On Wednesday at 10:00 the GP halves the dose: the new version gives the doses the course has left."""
    rx = amoxicillin(world)
    change_at = local(MONDAY + dt.timedelta(days=2), 10)
    run_the_job_until(change_at)
    with time_machine.travel(change_at, tick=False):
        new = services.prescription_change(
            prescription=rx,
            by=world.sam,
            data=services.PrescriptionInput(
                medicine_id=rx.medicine_id,
                dose_min="1",
                route="oral",
                directions="ONE capsule three times a day, to finish the 7-day course",
                schedule_kind="fixed_times",
                times=TDS,
                course_days=7,
                prescriber="Dr A Khan",
                start_date=(MONDAY + dt.timedelta(days=2)),
            ),
            reason="Dose reviewed by the GP",
        )
    # Spent: Mon 14, 20; Tue 08, 14, 20; Wed 08 (its window closed at 09:00): 6 of 21.
    assert new.course_doses == 15
    assert new.course_first_dose_at == local(MONDAY + dt.timedelta(days=2), 14)
    assert new.course_last_dose_at == rx.course_last_dose_at
    services.prescription_check_transcription(prescription=new, by=world.tia)
    run_the_job_until(ENTERED + dt.timedelta(days=12))
    assert len(live_slots(rx, new)) == 21  # nothing gained, nothing lost


def test_a_dose_recorded_in_its_window_just_before_a_change_is_not_offered_again(world):
    rx = amoxicillin(world)
    wednesday = MONDAY + dt.timedelta(days=2)
    run_the_job_until(local(wednesday, 8))
    dose = DueDose.objects.get(prescription=rx, local_date=wednesday, local_time=dt.time(8))
    with time_machine.travel(local(wednesday, 8, 5), tick=False):
        administration_record(
            by=world.carla,
            due_dose=dose,
            outcome="given",
            prompts=[rules.Answer(p, "confirmed") for p in rules.prompts_for("")],
        )
    with time_machine.travel(local(wednesday, 8, 30), tick=False):
        new = services.prescription_change(
            prescription=rx,
            by=world.sam,
            data=services.PrescriptionInput(
                medicine_id=rx.medicine_id,
                dose_min="2",
                route="oral",
                directions="TWO capsules three times a day to finish the course",
                times=TDS,
                course_days=7,
                prescriber="Dr A Khan",
            ),
            reason="Dose increased by the GP",
        )
    assert new.course_doses == 15 and new.course_first_dose_at == local(wednesday, 14)
    assert not DueDose.objects.filter(prescription=new, local_date=wednesday, local_time=dt.time(8)).exists()


def test_a_new_course_length_starts_a_new_count_from_the_change(world):
    rx = amoxicillin(world)
    change_at = local(MONDAY + dt.timedelta(days=2), 10)
    with time_machine.travel(change_at, tick=False):
        new = services.prescription_change(
            prescription=rx,
            by=world.sam,
            data=services.PrescriptionInput(
                medicine_id=rx.medicine_id,
                dose_min="1",
                route="oral",
                directions="ONE capsule three times a day for 5 days from today",
                times=TDS,
                course_days=5,
                prescriber="Dr A Khan",
            ),
            reason="GP restarted the course",
        )
    assert new.course_doses == 15 and new.course_first_dose_at == local(MONDAY + dt.timedelta(days=2), 14)
    assert new.course_last_dose_at == local(MONDAY + dt.timedelta(days=7), 8)


def test_a_course_with_no_doses_left_cannot_be_continued(world):
    rx = amoxicillin(world)
    with (
        time_machine.travel(local(MONDAY + dt.timedelta(days=7), 10), tick=False),
        pytest.raises(ValidationFailed) as err,
    ):
        services.prescription_change(
            prescription=rx,
            by=world.sam,
            data=services.PrescriptionInput(
                medicine_id=rx.medicine_id,
                dose_min="1",
                route="oral",
                directions="ONE capsule three times a day",
                times=TDS,
                course_days=7,
                prescriber="Dr A Khan",
            ),
            reason="Asked to carry on",
        )
    assert err.value.field == "course_days" and "all its 21 doses" in err.value.message


def test_an_end_date_keeps_its_calendar_meaning_for_other_prescriptions(world):
    with time_machine.travel(ENTERED, tick=False):
        rx = prescribe(
            world.ada,
            MedicineFactory(name="Ramipril"),
            by=world.sam,
            checker=world.tia,
            times=TDS,
            end_date=MONDAY + dt.timedelta(days=6),
        )
    run_the_job_until(ENTERED + dt.timedelta(days=10))
    assert rx.course_doses is None and rx.course_first_dose_at is None
    slots = live_slots(rx)
    assert slots[-1].scheduled_at == local(MONDAY + dt.timedelta(days=6), 20)  # every dose to the end date
    assert len(slots) == 20


def test_a_when_required_course_is_days_on_the_calendar(world):
    with time_machine.travel(ENTERED, tick=False):
        rx = prescribe(
            world.ada,
            MedicineFactory(name="Paracetamol"),
            by=world.sam,
            schedule_kind="prn",
            times=[],
            indication="Pain",
            prn_min_interval_minutes=240,
            prn_max_quantity_24h="8",
            course_days=3,
        )
    assert rx.end_date == MONDAY + dt.timedelta(days=2) and rx.course_doses is None


@time_machine.travel(ENTERED, tick=False)
def test_a_course_entered_through_the_api_is_counted_the_same_way(world):
    medicine = MedicineFactory(name="Amoxicillin")
    response = api_as(world.sam).post(
        f"/people/{world.ada.pk}/prescriptions",
        {
            "medicine_id": medicine.pk,
            "dose_min": "1",
            "directions": "ONE three times a day for 7 days",
            "times": TDS,
            "course_days": 7,
            "prescriber": "Dr A Khan",
        },
    )
    assert response.status_code == 201, response.content
    schedule = response.json()["schedule"]
    assert schedule["course_days"] == 7 and schedule["course_doses"] == 21
    assert dt.datetime.fromisoformat(schedule["course_first_dose_at"]) == local(MONDAY, 14)
    assert dt.datetime.fromisoformat(schedule["course_last_dose_at"]) == local(MONDAY + dt.timedelta(days=7), 8)
    assert schedule["end_date"] == "2026-06-08"


# --- The pages --------------------------------------------------------------------------------------------


COURSE_TEXT = "Course of 21 doses: first 14:00 Mon 1 June 2026, last 08:00 Mon 8 June 2026"


def _form(medicine, **overrides) -> dict[str, object]:
    data: dict[str, object] = {
        "medicine_id": str(medicine.pk),
        "dose_min": "1",
        "route": "oral",
        "directions": "ONE capsule three times a day for 7 days",
        "schedule_kind": "fixed_times",
        "time_1": "08:00",
        "time_2": "14:00",
        "time_3": "20:00",
        "start_date": "2026-06-01",
        "course_days": "7",
        "prescriber": "Dr A Khan",
        "source": "gp",
    }
    data.update(overrides)
    return data


def test_the_form_confirms_the_first_and_last_dose_and_the_prescription_page_shows_them(client, world):
    from django.urls import reverse

    medicine = MedicineFactory(name="Amoxicillin")
    client.force_login(world.sam)
    with time_machine.travel(ENTERED, tick=False):
        response = client.post(
            reverse("medication:prescription_new", args=[world.ada.pk]), _form(medicine), follow=True
        )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count(COURSE_TEXT) == 2  # the confirmation, and the details of what was entered
    rx = Prescription.objects.get()
    assert rx.course_doses == 21


def test_the_persons_page_and_the_mar_show_the_course(client, world):
    from django.urls import reverse

    from carebook.medication.pdf import render_mar_pdf_html
    from carebook.medication.selectors.mar import mar_chart

    amoxicillin(world)
    client.force_login(world.carla)
    with time_machine.travel(ENTERED + dt.timedelta(hours=1), tick=False):
        person = client.get(reverse("people:person", args=[world.ada.pk])).content.decode()
        mar = client.get(reverse("medication:mar", args=[world.ada.pk]) + "?month=2026-06").content.decode()
        chart = mar_chart(world.ada, MONDAY)
    assert COURSE_TEXT in person and COURSE_TEXT in mar
    assert COURSE_TEXT in render_mar_pdf_html(chart)
    from carebook.medication.selectors.mar import mar_chart_as_json

    as_json = mar_chart_as_json(chart)["prescriptions"][0]
    assert as_json["course_doses"] == 21 and as_json["course_text"] == COURSE_TEXT
    assert as_json["course_last_dose"] == local(MONDAY + dt.timedelta(days=7), 8).astimezone(LONDON).isoformat()
    rx = chart.prescriptions[0]
    assert rx.course_doses == 21 and rx.course_last_dose == local(MONDAY + dt.timedelta(days=7), 8).astimezone(LONDON)
    # The cells after the last dose on its day are not due: no dose there.
    last_day = [row.cells[7] for row in rx.rows]
    assert [c.state for c in last_day] == ["future", "no_dose", "no_dose"]


def test_changing_a_course_on_the_page_keeps_its_length_and_continues_it(client, world):
    from django.urls import reverse

    rx = amoxicillin(world)
    client.force_login(world.sam)
    change = reverse("medication:prescription_change", args=[rx.pk])
    with time_machine.travel(local(MONDAY + dt.timedelta(days=2), 10), tick=False):
        form = client.get(change).content.decode()
        assert 'id="course_days" name="course_days" type="text" value="7"' in form
        assert 'id="end_date" name="end_date" type="date" value=""' in form
        assert "To continue this course, keep its length (7 days)" in form
        response = client.post(
            change, _form(rx.medicine, dose_min="2", start_date="2026-06-03", reason="GP doubled the dose"), follow=True
        )
    assert "Course of 15 doses: first 14:00 Wed 3 June 2026, last 08:00 Mon 8 June 2026" in response.content.decode()


def test_the_least_gap_is_set_on_the_form_and_shown_and_a_gap_longer_than_the_interval_is_refused(client, world):
    from django.urls import reverse

    medicine = MedicineFactory(name="Co-amoxiclav")
    client.force_login(world.sam)
    new = reverse("medication:prescription_new", args=[world.ada.pk])
    with time_machine.travel(ENTERED, tick=False):
        refused = client.post(new, _form(medicine, course_days="", gap_hours="6", gap_minutes="30"))
        assert refused.status_code == 422
        assert "shorter than the time between doses (6 hours)" in refused.content.decode()
        done = client.post(new, _form(medicine, course_days="", gap_hours="4"), follow=True)
    assert Prescription.objects.get().min_gap_minutes == 240
    assert "At least 4 hours before the next dose" in done.content.decode()
