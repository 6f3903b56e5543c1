"""Recording a dose through the page: the safety prompts, the outcome, refusals, PRN, witness, corrections."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from carebook.access.models import Role
from carebook.audit_log.models import AuditEvent
from carebook.core.clock import LONDON
from carebook.medication import rules
from carebook.medication.models import (
    Administration,
    DueDose,
    Medicine,
    PrnFollowUp,
    PromptAnswer,
)
from carebook.medication.services.administrations import administration_record
from carebook.medication.services.prescriptions import prescription_suspend
from carebook.testing.factories import PASSWORD, MedicineFactory, UserFactory, prescribe, prescribe_paracetamol_prn

DAY = dt.date(2026, 6, 10)


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON).astimezone(dt.UTC)


MORNING = at(8, 5)


def answers(check: str = "", *, result: str = "confirmed", **overrides: str) -> dict[str, str]:
    """POST data answering every prompt (a reading of 72 where one is asked)."""
    data: dict[str, str] = {}
    for prompt in rules.prompts_for(check):
        data[f"prompt_{prompt}"] = result
        if prompt in rules.READING_PROMPTS:
            data[f"prompt_{prompt}_value"] = "72"
    data.update(overrides)
    return data


def service_answers(check: str = "") -> list[rules.Answer]:
    return [
        rules.Answer(p, "confirmed", Decimal("72") if p in rules.READING_PROMPTS else None)
        for p in rules.prompts_for(check)
    ]


def dose_of(rx, hour: int = 8) -> DueDose:
    return DueDose.objects.get(prescription=rx, local_date=DAY, local_time=dt.time(hour, 0))


def record_url(dose: DueDose, query: str = "") -> str:
    return reverse("medication:record_dose", args=[dose.pk]) + query


@pytest.fixture
def ramipril(world):
    with time_machine.travel(at(9, day=DAY - dt.timedelta(days=1)), tick=False):
        return prescribe(world.ada, MedicineFactory(name="Ramipril", strength="5 mg"), by=world.sam, checker=world.tia)


@pytest.fixture
def paracetamol(world):
    with time_machine.travel(at(9, day=DAY - dt.timedelta(days=1)), tick=False):
        return prescribe_paracetamol_prn(
            world.ada,
            by=world.sam,
            checker=world.tia,
            directions="One or two tablets when required for pain, at least 4 hours apart, up to 8 in 24 hours",
        )


@pytest.fixture
def morphine(world):
    medicine = MedicineFactory(
        name="Morphine sulfate",
        strength="10 mg/5 mL",
        form=Medicine.Form.LIQUID,
        dose_unit="mL",
        controlled_drug_schedule=2,
    )
    with time_machine.travel(at(9, day=DAY - dt.timedelta(days=1)), tick=False):
        return prescribe(world.ada, medicine, by=world.sam, checker=world.tia, dose_min="5")


# --- The page -----------------------------------------------------------------------------


@time_machine.travel(MORNING, tick=False)
def test_the_page_walks_every_prompt_in_order(client, world, ramipril):
    client.force_login(world.carla)
    response = client.get(record_url(dose_of(ramipril), "?round=morning"))
    assert response.status_code == 200
    html = response.content.decode()
    positions = [html.index(f'data-prompt="{p}"') for p in rules.prompts_for("")]
    assert positions == sorted(positions)
    assert "Is this Addie?" in html and "Ada Lovelace" in html and "17 May 1938" in html
    assert 'alt="Picture of Ada Lovelace"' in html
    assert "Ramipril 5 mg, tablet" in html and "Take ONE tablet each morning" in html
    assert "Due at <strong>08:00</strong>" in html
    assert "No earlier dose of this medicine is recorded." in html
    assert 'value="failed"' in html and "Yes, confirmed" in html
    assert 'name="outcome"' in html and "Refused (will offer again)" in html
    assert 'name="witness_username"' not in html  # not a controlled drug
    assert 'name="round" value="morning"' in html


@time_machine.travel(MORNING, tick=False)
def test_a_given_dose_is_recorded_with_the_session_user_and_server_time(client, world, ramipril):
    client.force_login(world.carla)
    dose = dose_of(ramipril)
    data = answers(outcome="given", recorded_by=str(world.sam.pk), recorded_at="2020-01-01T00:00:00Z", round="morning")
    response = client.post(record_url(dose), data)
    assert response.status_code == 302
    # Back to the person's card on the round, where the carer was.
    assert (
        response["Location"]
        == reverse("medication:round", args=[world.home.pk]) + f"?round=morning#person-{world.ada.pk}"
    )
    admin = Administration.objects.get(due_dose=dose)
    assert admin.recorded_by == world.carla  # never from the request body
    assert admin.recorded_at == MORNING and admin.administered_at == MORNING and not admin.late_entry
    assert admin.outcome == "given" and admin.dose_given == Decimal("1")
    assert PromptAnswer.objects.filter(administration=admin, result="confirmed").count() == 7
    dose.refresh_from_db()
    assert dose.state == DueDose.State.RECORDED
    page = client.get(response["Location"]).content.decode()
    assert "Given: Ramipril 5 mg tablet for Addie, 08:00 dose." in page
    assert "Given by Carla Carer at 08:05" in page


@time_machine.travel(MORNING, tick=False)
def test_a_failed_prompt_with_given_is_refused_and_nothing_is_written(client, world, ramipril):
    client.force_login(world.carla)
    data = answers(outcome="given", prompt_right_medicine="failed")
    response = client.post(record_url(dose_of(ramipril)), data)
    assert response.status_code == 422
    html = response.content.decode()
    assert "There is a problem" in html
    assert "cannot be recorded as given" in html
    assert 'class="nhsuk-error-message" id="outcome-error"' in html
    assert Administration.objects.count() == 0
    assert AuditEvent.objects.filter(action="administration.recorded").count() == 0
    # The answers stay on the page.
    assert 'value="failed" checked' in html


@time_machine.travel(MORNING, tick=False)
def test_a_given_dose_needs_every_prompt(client, world, ramipril):
    client.force_login(world.carla)
    data = answers(outcome="given")
    del data["prompt_consent"]
    response = client.post(record_url(dose_of(ramipril)), data)
    assert response.status_code == 422
    html = response.content.decode()
    assert "Complete every safety check" in html and 'href="#prompt_consent"' in html
    assert Administration.objects.count() == 0


@time_machine.travel(MORNING, tick=False)
def test_a_refusal_is_recorded_with_its_reason(client, world, ramipril):
    client.force_login(world.carla)
    dose = dose_of(ramipril)
    data = {
        "prompt_right_person": "confirmed",
        "prompt_consent": "failed",
        "outcome": "refused",
        "reason": "Said she would take it after breakfast",
    }
    response = client.post(record_url(dose), data)
    assert response.status_code == 422  # the checks before consent were skipped
    assert "Answer the checks before the one that failed" in response.content.decode()
    data.update({k: "confirmed" for k in answers() if k not in ("prompt_consent",)})
    response = client.post(record_url(dose), data)
    assert response.status_code == 302
    admin = Administration.objects.get(due_dose=dose)
    assert admin.outcome == "refused" and admin.reason == "Said she would take it after breakfast"
    assert admin.dose_given is None
    assert PromptAnswer.objects.get(administration=admin, prompt="consent").result == "failed"


@time_machine.travel(MORNING, tick=False)
def test_a_refusal_without_a_reason_shows_the_error_beside_the_reason(client, world, ramipril):
    client.force_login(world.carla)
    response = client.post(record_url(dose_of(ramipril)), {"prompt_right_person": "confirmed", "outcome": "refused"})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="reason-error"' in html and "Say in words why the dose was not given." in html
    assert Administration.objects.count() == 0


@time_machine.travel(MORNING, tick=False)
def test_bad_input_is_a_form_error_not_a_crash(client, world, ramipril):
    client.force_login(world.carla)
    url = record_url(dose_of(ramipril))
    for data in (
        answers(outcome="flew away"),
        answers(outcome="given", dose_given="lots"),
        answers(outcome="given", dose_given="1.12345"),
        answers(outcome="given", given_at="25:99"),
        answers(outcome="given", prompt_right_person="maybe"),
        {},
    ):
        response = client.post(url, data)
        assert response.status_code == 422, data
    assert Administration.objects.count() == 0


@time_machine.travel(MORNING, tick=False)
def test_a_dose_given_earlier_is_a_late_entry_with_both_times(client, world, ramipril):
    client.force_login(world.carla)
    dose = dose_of(ramipril)
    with time_machine.travel(at(9, 0), tick=False):
        response = client.post(record_url(dose), answers(outcome="given", given_at="08:10"))
    assert response.status_code == 302
    admin = Administration.objects.get(due_dose=dose)
    assert admin.administered_at == at(8, 10) and admin.recorded_at == at(9, 0) and admin.late_entry


@time_machine.travel(MORNING, tick=False)
def test_a_dose_already_recorded_answers_409_saying_who_and_when(client, world, ramipril):
    dose = dose_of(ramipril)
    client.force_login(world.carla)
    assert client.post(record_url(dose), answers(outcome="given")).status_code == 302
    client.force_login(world.sam)
    response = client.post(record_url(dose), answers(outcome="given"))
    assert response.status_code == 409
    html = response.content.decode()
    assert "already recorded by Carla Carer at 08:05" in html
    assert Administration.objects.count() == 1
    # Opening it again shows who recorded it, without the form.
    response = client.get(record_url(dose))
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="already-recorded"' in html
    assert "Carla Carer" in html and 'name="outcome"' not in html


@time_machine.travel(MORNING, tick=False)
def test_a_reading_is_asked_for_and_stored(client, world):
    digoxin = MedicineFactory(name="Digoxin", strength="125 micrograms", required_check="pulse")
    with time_machine.travel(at(9, day=DAY - dt.timedelta(days=1)), tick=False):
        rx = prescribe(world.ada, digoxin, by=world.sam, checker=world.tia)
    client.force_login(world.carla)
    dose = dose_of(rx)
    html = client.get(record_url(dose)).content.decode()
    assert "Take Addie&#x27;s pulse" in html and "Could not take the reading" in html
    response = client.post(record_url(dose), answers("pulse", outcome="given", prompt_pulse_value=""))
    assert response.status_code == 422 and "Enter the reading you took." in response.content.decode()
    response = client.post(record_url(dose), answers("pulse", outcome="given", prompt_pulse_value="64"))
    assert response.status_code == 302
    assert PromptAnswer.objects.get(prompt="pulse").value == Decimal("64")


@time_machine.travel(MORNING, tick=False)
def test_a_suspended_prescription_cannot_be_recorded(client, world, ramipril):
    dose = dose_of(ramipril)
    prescription_suspend(prescription=ramipril, by=world.sam, reason="GP review")
    client.force_login(world.carla)
    html = client.get(record_url(dose)).content.decode()
    assert 'data-testid="blocked"' in html and 'name="outcome"' not in html
    response = client.post(record_url(dose), answers(outcome="given"))
    assert response.status_code == 422
    assert Administration.objects.count() == 0


# --- Who may ------------------------------------------------------------------------------


@time_machine.travel(MORNING, tick=False)
def test_a_coordinator_may_not_record(client, world, ramipril, paracetamol):
    client.force_login(world.colin)
    dose = dose_of(ramipril)
    assert client.get(record_url(dose)).status_code == 403
    assert client.post(record_url(dose), answers(outcome="given")).status_code == 403
    url = reverse("medication:give_prn", args=[paracetamol.pk])
    assert client.post(url, answers(outcome="given", prn_reason="pain")).status_code == 403
    assert Administration.objects.count() == 0


@time_machine.travel(MORNING, tick=False)
def test_someone_from_another_provider_gets_not_found(client, world, ramipril):
    client.force_login(world.otto)
    dose = dose_of(ramipril)
    assert client.get(record_url(dose)).status_code == 404
    assert client.post(record_url(dose), answers(outcome="given")).status_code == 404
    assert client.get(reverse("medication:record_dose", args=["nonsense"])).status_code == 404
    assert Administration.objects.count() == 0


# --- PRN ----------------------------------------------------------------------------------


@time_machine.travel(MORNING, tick=False)
def test_a_prn_dose_and_a_second_too_soon(client, world, paracetamol):
    client.force_login(world.carla)
    url = reverse("medication:give_prn", args=[paracetamol.pk])
    html = client.get(url).content.decode()
    assert "Why was it given?" in html and "How much was given?" in html
    response = client.post(url, answers(outcome="given", dose_given="2", prn_reason="Knee pain"))
    assert response.status_code == 302
    assert response["Location"] == reverse("people:person", args=[world.ada.pk])
    first = Administration.objects.get()
    assert first.prn_reason == "Knee pain" and first.dose_given == Decimal("2") and first.due_dose is None
    with time_machine.travel(at(9, 0), tick=False):
        html = client.get(url).content.decode()
        assert "Next dose allowed from <strong>12:05</strong>" in html
        response = client.post(url, answers(outcome="given", dose_given="1", prn_reason="Still sore"))
    assert response.status_code == 422
    assert "The next dose can be given from 12:05 on 10 June" in response.content.decode()
    assert Administration.objects.count() == 1


@time_machine.travel(MORNING, tick=False)
def test_a_prn_dose_needs_its_reason(client, world, paracetamol):
    client.force_login(world.carla)
    url = reverse("medication:give_prn", args=[paracetamol.pk])
    response = client.post(url, answers(outcome="given", dose_given="1"))
    assert response.status_code == 422 and 'id="prn_reason-error"' in response.content.decode()
    assert Administration.objects.count() == 0


@time_machine.travel(MORNING, tick=False)
def test_a_scheduled_prescription_has_no_give_page(client, world, ramipril):
    client.force_login(world.carla)
    assert client.get(reverse("medication:give_prn", args=[ramipril.pk])).status_code == 404


# --- Controlled drugs ---------------------------------------------------------------------


@time_machine.travel(MORNING, tick=False)
def test_a_controlled_drug_needs_a_witness_with_their_own_password(client, world, morphine):
    client.force_login(world.carla)
    dose = dose_of(morphine)
    html = client.get(record_url(dose)).content.decode()
    assert 'name="witness_password" type="password" autocomplete="off"' in html
    response = client.post(record_url(dose), answers(outcome="given"))
    assert response.status_code == 422
    html = response.content.decode()
    assert "controlled drug" in html and 'id="witness_username-error"' in html
    response = client.post(record_url(dose), answers(outcome="given", witness_username="sam", witness_password="nope"))
    assert response.status_code == 422 and "username or password is not right" in response.content.decode()
    assert Administration.objects.count() == 0
    response = client.post(
        record_url(dose), answers(outcome="given", witness_username="sam", witness_password=PASSWORD)
    )
    assert response.status_code == 302
    admin = Administration.objects.get()
    assert admin.witness == world.sam and admin.recorded_by == world.carla and admin.witnessed_at == MORNING


# --- Entered in error ---------------------------------------------------------------------


@time_machine.travel(MORNING, tick=False)
def test_marking_a_record_entered_in_error_lets_the_dose_be_recorded_again(client, world, ramipril):
    dose = dose_of(ramipril)
    wrong = administration_record(
        by=world.carla, due_dose=dose, outcome="refused", reason="Refused", prompts=service_answers()[:1]
    ).administration
    client.force_login(world.carla)
    url = reverse("medication:administration_entered_in_error", args=[wrong.pk])
    html = client.get(url).content.decode()
    assert "Mark as entered in error" in html and "Refused (will offer again)" in html
    response = client.post(url, {"reason": ""})
    assert response.status_code == 422 and "Say why this record is wrong." in response.content.decode()
    response = client.post(url, {"reason": "Tapped refused by mistake, she took it"})
    assert response.status_code == 302 and response["Location"] == reverse("people:person", args=[world.ada.pk])
    wrong.refresh_from_db()
    dose.refresh_from_db()
    assert wrong.status == "entered_in_error" and wrong.correction.by == world.carla
    assert dose.state == DueDose.State.PENDING
    response = client.post(record_url(dose, "?back=person"), answers(outcome="given", back="person"))
    assert response.status_code == 302
    right = Administration.objects.get(due_dose=dose, status="completed")
    assert right.corrects == wrong
    page = client.get(reverse("people:person", args=[world.ada.pk])).content.decode()
    assert "Entered in error" in page and "Tapped refused by mistake" in page
    assert f'href="#record-{right.pk}"' in page
    # Marking it twice answers 409 and changes nothing.
    assert client.post(url, {"reason": "again"}).status_code == 409


@time_machine.travel(MORNING, tick=False)
def test_another_care_worker_cannot_correct_someone_elses_record(client, world, ramipril):
    admin = administration_record(
        by=world.carla, due_dose=dose_of(ramipril), outcome="given", prompts=service_answers()
    ).administration
    other = UserFactory(username="cora", full_name="Cora Carer", role=Role.CARE_WORKER, at=world.home)
    client.force_login(other)
    url = reverse("medication:administration_entered_in_error", args=[admin.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": "Not mine"}).status_code == 403
    admin.refresh_from_db()
    assert admin.status == "completed"
    client.force_login(world.sam)  # a senior may
    assert client.post(url, {"reason": "Recorded for the wrong person"}).status_code == 302


# --- PRN follow-up ------------------------------------------------------------------------


@time_machine.travel(MORNING, tick=False)
def test_the_effect_of_a_prn_dose_is_followed_up(client, world, paracetamol):
    given = administration_record(
        by=world.carla,
        prescription=paracetamol,
        outcome="given",
        dose_given=Decimal("1"),
        prompts=service_answers(),
        prn_reason="Headache",
    ).administration
    client.force_login(world.carla)
    url = reverse("medication:prn_follow_up", args=[given.pk])
    with time_machine.travel(at(8, 50), tick=False):
        person_page = client.get(reverse("people:person", args=[world.ada.pk])).content.decode()
        assert url in person_page
        html = client.get(url).content.decode()
        assert "Did the Paracetamol work?" in html
        assert client.post(url, {"effect": "brilliant"}).status_code == 422
        response = client.post(url, {"effect": "effective", "note": "Headache gone"})
    assert response.status_code == 302
    follow_up = PrnFollowUp.objects.get()
    assert follow_up.effect == "effective" and follow_up.recorded_by == world.carla
    assert follow_up.recorded_at == at(8, 50)
    assert client.post(url, {"effect": "partly"}).status_code == 409
    assert PrnFollowUp.objects.count() == 1
