"""The prescription pages, driven through Django's test client as the personas use them."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.urls import reverse

from carebook.audit_log.models import AuditEvent
from carebook.medication.models import (
    DueDose,
    Medicine,
    Prescription,
    PrescriptionEvent,
    PrescriptionStatus,
    TranscriptionCheck,
)
from carebook.testing.factories import MedicineFactory, prescribe

NOW = dt.datetime(2026, 6, 10, 6, 0, tzinfo=dt.UTC)  # 07:00 in London (BST)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def paracetamol(db):
    return MedicineFactory(name="Paracetamol", strength="500 mg", dose_unit="tablet")


@pytest.fixture
def medicines(db, paracetamol):
    MedicineFactory(name="Ramipril", strength="2.5 mg", form=Medicine.Form.CAPSULE, dose_unit="capsule")
    MedicineFactory(
        name="Fentanyl",
        strength="12 micrograms/hour",
        form=Medicine.Form.PATCH,
        dose_unit="patch",
        default_route="transdermal",
    )
    return paracetamol


def valid_form(medicine: Medicine, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "medicine_id": str(medicine.pk),
        "dose_min": "1",
        "dose_max": "",
        "route": "oral",
        "directions": "Take ONE tablet twice a day",
        "indication": "",
        "instructions": "After food",
        "required_check": "",
        "schedule_kind": "fixed_times",
        "time_1": "08:00",
        "time_2": "18:00",
        "start_date": "2026-06-10",
        "end_date": "",
        "course_days": "",
        "prescriber": "Dr A Khan",
        "source": "gp",
    }
    data.update(overrides)
    return data


def signed_in(client, user):
    client.force_login(user)
    return client


def nothing_written() -> bool:
    return (
        not Prescription.objects.exists()
        and not PrescriptionEvent.objects.exists()
        and not AuditEvent.objects.filter(action__startswith="prescription").exists()
        and not DueDose.objects.exists()
    )


# --- Entering a prescription ----------------------------------------------------------------------


def test_senior_enters_a_prescription_and_is_shown_it_awaiting_its_check(client, world, medicines):
    # Given Sam, a senior carer, on Ada's new-prescription page
    signed_in(client, world.sam)
    url = reverse("medication:prescription_new", args=[world.ada.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Add a prescription" in page.content.decode()
    # When Sam saves the prescriber's directions
    response = client.post(url, valid_form(medicines, dose_max="2", directions="One or two tablets twice a day"))
    # Then one prescription is written, entered by Sam, with its due doses, and Sam sees it awaiting its check
    rx = Prescription.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("medication:prescription", args=[rx.pk])
    assert rx.person == world.ada and rx.entered_by == world.sam and rx.entered_at == NOW
    assert rx.dose_min == Decimal("1") and rx.dose_max == Decimal("2") and rx.dose_unit == "tablet"
    assert rx.times == ["08:00", "18:00"] and rx.instructions == "After food"
    assert DueDose.objects.filter(prescription=rx).count() >= 4
    assert AuditEvent.objects.filter(action="prescription.created", entity_id=str(rx.pk)).count() == 1
    detail = client.get(response["Location"]).content.decode()
    assert "1 to 2 tablet" in detail and "Every day at 08:00 and 18:00" in detail
    assert "Awaiting transcription check" in detail
    assert 'data-testid="check-button"' not in detail  # Sam entered it, so Sam cannot check it
    assert "You entered this, so someone else must check it" in detail


def test_medicine_search_without_javascript_lists_matches_as_radios(client, world, medicines):
    signed_in(client, world.sam)
    page = client.get(reverse("medication:prescription_new", args=[world.ada.pk]), {"q": "parac"}).content.decode()
    assert re.search(rf'name="medicine_id" type="radio" value="{medicines.pk}"', page)
    assert "Ramipril" not in page and "Fentanyl" not in page
    assert "<select" not in page


def test_medicine_search_with_htmx_returns_radio_options_keeping_the_chosen_one(client, world, medicines):
    signed_in(client, world.sam)
    ramipril = Medicine.objects.get(name="Ramipril")
    response = client.get(
        reverse("medication:medicine_search"),
        {"q": "fent", "medicine_id": str(ramipril.pk)},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "Fentanyl" in html and "Paracetamol" not in html
    assert re.search(rf'value="{ramipril.pk}" data-unit="capsule"[^>]*checked', html)  # the chosen one stays
    assert "Dose counted in: patch" in html


def test_medicine_search_says_when_nothing_matches(client, world, medicines):
    signed_in(client, world.sam)
    html = client.get(reverse("medication:medicine_search"), {"q": "zzzz"}, headers={"HX-Request": "true"})
    assert "No medicines match" in html.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field_id", "message"),
    [
        ({"dose_min": "0"}, "dose_min", "The dose must be more than zero."),
        ({"dose_min": "one"}, "dose_min", "The dose must be a number"),
        ({"dose_max": "0.5"}, "dose_max", "The largest dose cannot be less than the smallest."),
        ({"directions": "  "}, "directions", "Copy the prescriber's directions"),
        ({"prescriber": ""}, "prescriber", "Name the prescriber"),
        ({"medicine_id": ""}, "medicine-search", "Choose a medicine from the list."),
        ({"time_1": "25:00", "time_2": ""}, "time_1", "is not a time of day"),
        ({"time_1": "", "time_2": ""}, "time_1", "Add at least one time of day"),
        ({"schedule_kind": "days_of_week"}, "days_of_week-0", "Choose at least one day of the week."),
        ({"schedule_kind": "every_n_days"}, "interval_days", "Say every how many days"),
        ({"schedule_kind": "every_n_days", "interval_days": "three"}, "interval_days", "must be a whole number"),
        ({"schedule_kind": "prn", "indication": "pain"}, "prn_interval_hours", "shortest time allowed"),
        (
            {"schedule_kind": "prn", "indication": "pain", "prn_interval_hours": "4"},
            "prn_max_quantity_24h",
            "Give the most that may be given in 24 hours.",
        ),
        ({"schedule_kind": "prn", "prn_interval_hours": "4", "prn_max_quantity_24h": "8"}, "indication", "indication"),
        ({"end_date": "2026-06-01"}, "end_date", "The end date is before the start date."),
        ({"end_date": "2026-06-20", "course_days": "7"}, "course_days", "either an end date or a course length"),
        ({"start_date": "31/02/2026"}, "start_date", "must be a real date"),
        ({"source": "pharmacy"}, "source-0", "Say where the prescription came from."),
    ],
)
def test_a_mistake_is_shown_beside_its_field_and_nothing_is_written(
    client, world, medicines, overrides, field_id, message
):
    signed_in(client, world.sam)
    response = client.post(
        reverse("medication:prescription_new", args=[world.ada.pk]), valid_form(medicines, **overrides)
    )
    html = unescape(response.content.decode())
    assert response.status_code == 422
    assert 'class="nhsuk-error-summary"' in html and f'href="#{field_id}"' in html
    assert message in html
    # The message sits in the form group of the field, just before its input.
    group_start = html.rfind("nhsuk-form-group--error", 0, html.find(f'id="{field_id}"'))
    assert group_start != -1 and message in html[group_start : html.find(f'id="{field_id}"')]
    assert nothing_written()
    # What was typed is kept
    if overrides.get("dose_min") == "one":
        assert 'value="one"' in html


def test_when_required_medicine_with_hours_and_minutes(client, world, medicines):
    signed_in(client, world.sam)
    response = client.post(
        reverse("medication:prescription_new", args=[world.ada.pk]),
        valid_form(
            medicines,
            schedule_kind="prn",
            dose_max="2",
            indication="Pain or fever",
            prn_interval_hours="4",
            prn_interval_minutes="30",
            prn_max_quantity_24h="8",
        ),  # the times typed for another schedule are ignored, as the page says
    )
    assert response.status_code == 302
    rx = Prescription.objects.get()
    assert rx.schedule_kind == "prn" and rx.times == [] and rx.prn_min_interval_minutes == 270
    assert rx.prn_max_quantity_24h == Decimal("8") and not DueDose.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "When required: at least 4 hours 30 minutes between doses, no more than 8 tablets in 24 hours" in page


def test_patch_every_three_days_days_of_week_and_a_course(client, world, medicines):
    signed_in(client, world.sam)
    url = reverse("medication:prescription_new", args=[world.ada.pk])
    patch = Medicine.objects.get(name="Fentanyl")
    client.post(url, valid_form(patch, schedule_kind="every_n_days", interval_days="3", time_1="09:00", time_2=""))
    client.post(url, valid_form(medicines, schedule_kind="days_of_week", days_of_week=["0", "3"], time_2=""))
    client.post(url, valid_form(medicines, course_days="7"))
    every3 = Prescription.objects.get(schedule_kind="every_n_days")
    weekly = Prescription.objects.get(schedule_kind="days_of_week")
    course = Prescription.objects.get(course_days__isnull=False)
    assert every3.interval_days == 3 and every3.route == "oral" and every3.times == ["09:00"]
    assert weekly.days_of_week == [0, 3]
    assert course.course_days == 7 and course.end_date == dt.date(2026, 6, 16)


def test_a_care_worker_cannot_add_a_prescription(client, world, medicines):
    signed_in(client, world.carla)
    url = reverse("medication:prescription_new", args=[world.ada.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, valid_form(medicines))
    assert response.status_code == 403
    assert nothing_written()


def test_a_person_at_another_location_is_not_found(client, world, medicines):
    signed_in(client, world.sam)
    url = reverse("medication:prescription_new", args=[world.stranger.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, valid_form(medicines)).status_code == 404
    assert client.get(reverse("medication:person_prescriptions", args=[world.stranger.pk])).status_code == 404
    assert client.get(reverse("medication:prescription_new", args=["not-a-uuid"])).status_code == 404
    assert nothing_written()


def test_sign_in_is_needed(client, world, medicines):
    response = client.get(reverse("medication:prescription_new", args=[world.ada.pk]))
    assert response.status_code == 302 and "sign" in response["Location"]


# --- The prescription page ------------------------------------------------------------------------


def test_prescription_page_shows_everything_and_its_out_of_scope_twin_is_404(client, world, medicines):
    rx = prescribe(world.ada, medicines, by=world.sam, checker=world.tia, instructions="With water", indication="Pain")
    elsewhere = prescribe(
        world.stranger,
        medicines,
        by=world.otto.__class__.objects.create(username="olga", full_name="Olga", initials="OG", role="senior_carer"),
    )
    signed_in(client, world.carla)  # a care worker may read it
    html = client.get(reverse("medication:prescription", args=[rx.pk])).content.decode()
    for text in [
        "Paracetamol 500 mg tablet",
        "Take ONE tablet each morning",
        "With water",
        "Pain",
        "Dr A Khan",
        "GP prescription",
        "Sam Senior",
        "Checked by",
        "Tia Leader",
        "Every day at 08:00",
    ]:
        assert text in html, text
    assert 'data-testid="actions"' not in html  # a care worker is offered no changes
    assert client.get(reverse("medication:prescription", args=[elsewhere.pk])).status_code == 404
    assert client.get(reverse("medication:prescription", args=["nope"])).status_code == 404


def test_person_prescriptions_grouped_by_status(client, world, medicines):
    active = prescribe(world.ada, medicines, by=world.sam, checker=world.tia)
    from carebook.medication.services.prescriptions import prescription_discontinue

    stopped = prescribe(world.ada, Medicine.objects.get(name="Ramipril"), by=world.sam, checker=world.tia)
    prescription_discontinue(prescription=stopped, by=world.tia, reason="Stopped at review")
    signed_in(client, world.sam)
    html = client.get(reverse("medication:person_prescriptions", args=[world.ada.pk])).content.decode()
    current = html[html.find("<h2>Current</h2>") : html.find("<h2>Suspended</h2>")]
    past = html[html.find("<h2>Discontinued</h2>") :]
    assert str(active.pk) in current and str(stopped.pk) not in current and str(stopped.pk) in past
    assert 'data-testid="add-prescription"' in html
    signed_in(client, world.carla)
    html = client.get(reverse("medication:person_prescriptions", args=[world.ada.pk])).content.decode()
    assert 'data-testid="add-prescription"' not in html and str(active.pk) in html


# --- The transcription check ------------------------------------------------------------------------


def test_check_flow_by_a_second_member_of_staff(client, world, medicines):
    rx = prescribe(world.ada, medicines, by=world.sam)
    url = reverse("medication:prescription_check", args=[rx.pk])
    # Tia sees the check button, then the entry beside the directions
    signed_in(client, world.tia)
    detail = client.get(reverse("medication:prescription", args=[rx.pk])).content.decode()
    assert f'href="{url}"' in detail
    page = client.get(url).content.decode()
    assert 'data-testid="directions"' in page and "Take ONE tablet each morning" in page
    assert "I have checked this against the prescriber's directions" in unescape(page)
    # Without ticking the confirmation: an error beside it, nothing written
    response = client.post(url, {"note": "Looked fine"})
    assert response.status_code == 422 and "Confirm that you have checked" in response.content.decode()
    assert not TranscriptionCheck.objects.exists()
    # With it: the check is recorded as Tia's, now
    response = client.post(url, {"confirm": "yes", "note": "Matches the discharge letter"})
    assert response.status_code == 302
    check = TranscriptionCheck.objects.get(prescription=rx)
    assert check.checked_by == world.tia and check.checked_at == NOW and check.note == "Matches the discharge letter"
    detail = client.get(reverse("medication:prescription", args=[rx.pk])).content.decode()
    assert 'data-testid="check-done"' in detail and "Matches the discharge letter" in detail
    # A second visit to the check page goes back to the prescription
    assert client.get(url).status_code == 302


def test_the_enterer_cannot_check_their_own_entry(client, world, medicines):
    rx = prescribe(world.ada, medicines, by=world.sam)
    signed_in(client, world.sam)
    url = reverse("medication:prescription_check", args=[rx.pk])
    page = client.get(url).content.decode()
    assert 'data-testid="own-entry"' in page and 'name="confirm"' not in page
    response = client.post(url, {"confirm": "yes"})
    assert response.status_code == 403
    assert not TranscriptionCheck.objects.exists()


def test_a_care_worker_cannot_check(client, world, medicines):
    rx = prescribe(world.ada, medicines, by=world.sam)
    signed_in(client, world.carla)
    url = reverse("medication:prescription_check", args=[rx.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"confirm": "yes"}).status_code == 403
    assert not TranscriptionCheck.objects.exists()


# --- Changing, suspending, resuming, discontinuing ----------------------------------------------------


def test_change_makes_a_new_version_and_the_old_one_stays_visible(client, world, medicines):
    old = prescribe(world.ada, medicines, by=world.sam, checker=world.tia)
    signed_in(client, world.tia)
    url = reverse("medication:prescription_change", args=[old.pk])
    form_page = client.get(url).content.decode()
    assert 'value="Take ONE tablet each morning"' in form_page or "Take ONE tablet each morning</textarea>" in form_page
    assert re.search(rf'name="medicine_id" type="radio" value="{medicines.pk}"[^>]*checked', form_page)
    # Without a reason: an error beside the reason, nothing changes
    data = valid_form(medicines, dose_min="2", time_1="08:00", time_2="", directions="Take TWO tablets each morning")
    response = client.post(url, data)
    assert response.status_code == 422 and 'href="#reason"' in response.content.decode()
    assert Prescription.objects.count() == 1
    # With a reason: a new version, and the page shows it
    response = client.post(url, {**data, "reason": "GP increased the dose at review"})
    new = Prescription.objects.exclude(pk=old.pk).get()
    assert response.status_code == 302 and response["Location"] == reverse("medication:prescription", args=[new.pk])
    old.refresh_from_db()
    assert new.supersedes == old and old.status == PrescriptionStatus.SUPERSEDED
    assert old.dose_min == Decimal("1") and old.directions == "Take ONE tablet each morning"  # never edited
    page = client.get(response["Location"]).content.decode()
    assert "Version 2 of 2" in page and "GP increased the dose at review" in page
    assert re.search(r"<del[^>]*>1 tablet</del>", page) and re.search(r"<ins[^>]*>2 tablets</ins>", page)
    assert "Awaiting transcription check" in page  # a changed prescription is checked again
    # The old version is still there, says it was replaced, and links to the new one
    old_page = client.get(reverse("medication:prescription", args=[old.pk])).content.decode()
    assert 'data-testid="old-version"' in old_page and reverse("medication:prescription", args=[new.pk]) in old_page
    assert "Version 1 of 2" in old_page and 'data-testid="actions"' not in old_page
    # A superseded version cannot be changed again: the page sends you back, the service refuses a POST
    assert client.get(url)["Location"] == reverse("medication:prescription", args=[old.pk])
    again = client.post(url, {**data, "reason": "again"})
    assert again.status_code == 409 and "replaced by a newer version" in again.content.decode().lower()
    assert Prescription.objects.count() == 2


@pytest.mark.parametrize("action", ["suspend", "discontinue"])
def test_suspend_and_discontinue_ask_for_a_reason_then_stop_the_doses(client, world, medicines, action):
    rx = prescribe(world.ada, medicines, by=world.sam, checker=world.tia)
    pending_before = DueDose.objects.filter(prescription=rx, state="pending").count()
    assert pending_before > 0
    signed_in(client, world.sam)
    url = reverse(f"medication:prescription_{action}", args=[rx.pk])
    assert client.get(url).status_code == 200
    rx.refresh_from_db()
    assert rx.status == "active"  # looking at the page changes nothing
    response = client.post(url, {"reason": ""})
    assert response.status_code == 422 and 'href="#reason"' in response.content.decode()
    assert (
        PrescriptionEvent.objects.filter(prescription=rx).exclude(kind__in=["created", "transcription_checked"]).count()
        == 0
    )
    response = client.post(url, {"reason": "GP asked to stop while in hospital"})
    assert response.status_code == 302
    rx.refresh_from_db()
    assert rx.status == ("suspended" if action == "suspend" else "discontinued")
    assert not DueDose.objects.filter(prescription=rx, state="pending", scheduled_at__gte=NOW).exists()
    page = client.get(reverse("medication:prescription", args=[rx.pk])).content.decode()
    assert "GP asked to stop while in hospital" in page


def test_resume_brings_the_doses_back(client, world, medicines):
    rx = prescribe(world.ada, medicines, by=world.sam, checker=world.tia)
    signed_in(client, world.sam)
    resume = reverse("medication:prescription_resume", args=[rx.pk])
    assert 'data-testid="not-allowed"' in client.get(resume).content.decode()  # it is active
    client.post(reverse("medication:prescription_suspend", args=[rx.pk]), {"reason": "Held by GP"})
    assert not DueDose.objects.filter(prescription=rx, state="pending").exists()
    response = client.post(resume, {"reason": "GP restarted it"})
    assert response.status_code == 302
    rx.refresh_from_db()
    assert rx.status == "active" and DueDose.objects.filter(prescription=rx, state="pending").exists()


def test_a_care_worker_cannot_change_or_stop(client, world, medicines):
    rx = prescribe(world.ada, medicines, by=world.sam, checker=world.tia)
    signed_in(client, world.carla)
    for name in ["prescription_change", "prescription_suspend", "prescription_discontinue"]:
        url = reverse(f"medication:{name}", args=[rx.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {**valid_form(medicines), "reason": "x"}).status_code == 403
    rx.refresh_from_db()
    assert rx.status == "active" and Prescription.objects.count() == 1


def test_changes_to_a_prescription_elsewhere_are_not_found(client, world, medicines):
    olga = world.otto.__class__.objects.create(username="olga", full_name="Olga", initials="OG", role="senior_carer")
    rx = prescribe(world.stranger, medicines, by=olga)
    signed_in(client, world.sam)
    for name in [
        "prescription_change",
        "prescription_suspend",
        "prescription_resume",
        "prescription_discontinue",
        "prescription_check",
    ]:
        assert client.post(reverse(f"medication:{name}", args=[rx.pk]), {"reason": "x"}).status_code == 404
    rx.refresh_from_db()
    assert rx.status == "active" and not TranscriptionCheck.objects.exists()


def test_a_stopped_entry_is_not_offered_for_checking(client, world, medicines):
    from carebook.medication.services.prescriptions import prescription_discontinue

    rx = prescribe(world.ada, medicines, by=world.sam)
    prescription_discontinue(prescription=rx, by=world.sam, reason="Entered for the wrong person")
    signed_in(client, world.tia)
    url = reverse("medication:prescription_check", args=[rx.pk])
    assert client.get(url)["Location"] == reverse("medication:prescription", args=[rx.pk])
    assert client.post(url, {"confirm": "yes"}).status_code == 409
    assert not TranscriptionCheck.objects.exists()
    assert (
        'data-testid="check-button"'
        not in client.get(reverse("medication:prescription", args=[rx.pk])).content.decode()
    )
