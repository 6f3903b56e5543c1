"""The system checks allergies; staff do not rely on a tick (ADR 0022).

Ada is allergic to penicillins. Her GP prescribes co-amoxiclav (it contains amoxicillin, a penicillin): Carebook
finds the match at entry, at the transcription check and on the recording page; no dose can be given until Sam,
a senior, records why it is safe to go on. Carla can still record that it was not given.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carebook.audit_log.models import AuditEvent
from carebook.core.errors import Conflict, PermissionDenied, ValidationFailed
from carebook.medication import rules
from carebook.medication.api.testing import api_as
from carebook.medication.models import Administration, AllergyDecision, DueDose, Prescription
from carebook.medication.rules.allergies import AllergyDecisionNeeded
from carebook.medication.services.administrations import administration_record
from carebook.medication.services.allergies import allergy_decision_record
from carebook.medication.services.prescriptions import (
    PrescriptionInput,
    prescription_change,
    prescription_check_transcription,
)
from carebook.people.models import AllergyStatus
from carebook.people.services import allergy_correct, allergy_record
from carebook.testing.factories import MedicineFactory, PersonFactory, curated_medicine, prescribe

MORNING = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)  # 08:00 BST
YESTERDAY = MORNING - dt.timedelta(days=1)
GP_SAYS = "GP (Dr Khan) confirmed by phone: the 2009 rash came with a viral illness; safe to give, watch for a rash."


def confirmed() -> list[rules.Answer]:
    return [rules.Answer(p, "confirmed") for p in rules.prompts_for("")]


def give(user, dose):
    return administration_record(by=user, due_dose=dose, outcome="given", prompts=confirmed())


@pytest.fixture
def coamoxiclav(db):
    return curated_medicine("coamoxiclav_500_125")


@pytest.fixture
def penicillin_allergy(world, coamoxiclav):
    with time_machine.travel(YESTERDAY - dt.timedelta(days=1), tick=False):
        return allergy_record(
            person=world.ada,
            by=world.sam,
            class_code="penicillins",
            severity="moderate",
            reaction="Rash all over, 2009",
        )


def course(world, medicine, **kwargs) -> Prescription:
    with time_machine.travel(YESTERDAY, tick=False):
        return prescribe(
            world.ada,
            medicine,
            by=world.sam,
            checker=world.tia,
            times=["08:00", "14:00", "22:00"],
            directions="Take ONE tablet THREE times a day for 5 days",
            **kwargs,
        )


def morning_dose(rx: Prescription) -> DueDose:
    return DueDose.objects.get(prescription=rx, local_date=MORNING.date(), local_time=dt.time(8, 0))


@time_machine.travel(MORNING, tick=False)
def test_a_penicillin_allergy_holds_co_amoxiclav_until_a_senior_decides(world, penicillin_allergy, coamoxiclav):
    rx = course(world, coamoxiclav)
    dose = morning_dose(rx)
    with pytest.raises(AllergyDecisionNeeded) as refused:
        give(world.carla, dose)
    message = refused.value.message
    assert message.startswith("Do not give: Co-amoxiclav 500 mg/125 mg tablet contains amoxicillin, a penicillin.")
    assert "Penicillins (allergy, moderate: Rash all over, 2009)" in message  # the allergy, and its severity
    assert refused.value.status == 422 and not Administration.objects.exists()
    # A not-given outcome is still allowed: the gap is explained.
    refusal = administration_record(
        by=world.carla,
        due_dose=dose,
        outcome="not_required",
        prompts=[rules.Answer("right_person", "confirmed")],
        reason="Held: co-amoxiclav matches her penicillin allergy; waiting for the senior to speak to the GP.",
    )
    assert refusal.administration.outcome == "not_required"

    # A care worker cannot decide; a senior can, with the reason.
    with pytest.raises(PermissionDenied):
        allergy_decision_record(prescription=rx, by=world.carla, reason=GP_SAYS)
    with pytest.raises(ValidationFailed):
        allergy_decision_record(prescription=rx, by=world.sam, reason="  ")
    [decision] = allergy_decision_record(prescription=rx, by=world.sam, reason=GP_SAYS)
    assert (decision.allergy, decision.decided_by, decision.decided_at) == (penicillin_allergy, world.sam, MORNING)
    assert decision.finding_kind == "allergy" and "amoxicillin, a penicillin" in decision.finding
    event = AuditEvent.objects.get(action="prescription.allergy_decided")
    assert event.actor == world.sam and event.after["reason"] == GP_SAYS and event.after["allergen"] == "Penicillins"
    with pytest.raises(Conflict):
        allergy_decision_record(prescription=rx, by=world.tia, reason="Again", allergy_id=penicillin_allergy.pk)

    lunchtime = DueDose.objects.get(prescription=rx, local_date=MORNING.date(), local_time=dt.time(14, 0))
    with time_machine.travel(MORNING + dt.timedelta(hours=6), tick=False):
        assert give(world.carla, lunchtime).administration.outcome == "given"


@time_machine.travel(MORNING, tick=False)
def test_the_api_refuses_a_held_dose_with_a_clear_error(world, penicillin_allergy, coamoxiclav):
    dose = morning_dose(course(world, coamoxiclav))
    body = {
        "due_dose_id": str(dose.pk),
        "outcome": "given",
        "prompts": [{"prompt": p, "result": "confirmed"} for p in rules.prompts_for("")],
    }
    response = api_as(world.carla).post("/administrations", body)
    assert response.status_code == 422
    error = response.json()
    assert error["code"] == "allergy_decision_needed" and error["details"]["allergies"] == ["Penicillins"]
    read = api_as(world.carla).get(f"/prescriptions/{dose.prescription_id}").json()
    assert read["allergy_decision_needed"] is True
    [finding] = read["allergy_findings"]
    assert (finding["kind"], finding["matched_by"], finding["severity"], finding["decision"]) == (
        "allergy",
        "class",
        "moderate",
        None,
    )
    assert (
        api_as(world.carla)
        .post(f"/prescriptions/{dose.prescription_id}/allergy-decisions", {"reason": GP_SAYS})
        .status_code
        == 403
    )
    decided = api_as(world.sam).post(f"/prescriptions/{dose.prescription_id}/allergy-decisions", {"reason": GP_SAYS})
    assert decided.status_code == 200 and decided.json()["allergy_decision_needed"] is False
    assert decided.json()["allergy_findings"][0]["decision"]["decided_by"]["username"] == "sam"
    assert api_as(world.carla).post("/administrations", body).status_code == 201


def test_a_decision_given_at_entry_is_recorded_with_the_prescription(world, penicillin_allergy, coamoxiclav):
    rx = course(world, coamoxiclav, allergy_reason=GP_SAYS)
    decision = AllergyDecision.objects.get(prescription=rx)
    assert decision.reason == GP_SAYS and decision.decided_by == world.sam
    with time_machine.travel(MORNING, tick=False):
        assert give(world.carla, morning_dose(rx)).administration.outcome == "given"
    # Nothing to decide on a medicine that matches nothing: refused, so a reason is never recorded for nothing.
    with pytest.raises(ValidationFailed) as refused, time_machine.travel(YESTERDAY, tick=False):
        prescribe(world.ada, MedicineFactory(name="Amlodipine"), by=world.sam, allergy_reason="Just in case")
    assert refused.value.code == "no_allergy_match"


def test_a_changed_prescription_needs_its_own_decision(world, penicillin_allergy, coamoxiclav):
    rx = course(world, coamoxiclav, allergy_reason=GP_SAYS)
    with time_machine.travel(YESTERDAY + dt.timedelta(hours=2), tick=False):
        data = PrescriptionInput(
            medicine_id=coamoxiclav.pk,
            dose_min="1",
            directions="Take ONE tablet TWICE a day for 5 days",
            times=["08:00", "20:00"],
            prescriber="Dr A Khan",
        )
        new = prescription_change(prescription=rx, by=world.sam, data=data, reason="GP reduced to twice a day")
        prescription_check_transcription(prescription=new, by=world.tia)
    with time_machine.travel(MORNING, tick=False), pytest.raises(AllergyDecisionNeeded):
        give(world.carla, morning_dose(new))


def test_an_allergy_recorded_after_the_prescription_holds_its_doses(world, coamoxiclav):
    rx = course(world, coamoxiclav)
    with time_machine.travel(MORNING - dt.timedelta(hours=1), tick=False):
        allergy_record(
            person=world.ada, by=world.sam, substance_code="amoxicillin", severity="severe", reaction="Anaphylaxis"
        )
    with time_machine.travel(MORNING, tick=False), pytest.raises(AllergyDecisionNeeded) as refused:
        give(world.carla, morning_dose(rx))
    assert "contains amoxicillin" in refused.value.message and "severe: Anaphylaxis" in refused.value.message


def test_a_refuted_allergy_no_longer_holds_a_dose(world, penicillin_allergy, coamoxiclav):
    rx = course(world, coamoxiclav)
    with time_machine.travel(MORNING - dt.timedelta(hours=1), tick=False):
        allergy_correct(
            allergy=penicillin_allergy,
            by=world.tia,
            kind="refuted",
            reason="Allergy clinic: penicillin challenge negative",
        )
    with time_machine.travel(MORNING, tick=False):
        assert give(world.carla, morning_dose(rx)).administration.outcome == "given"


def test_an_intolerance_is_shown_but_does_not_hold_the_dose(world):
    cocodamol = curated_medicine("cocodamol_30_500")
    allergy_record(
        person=world.ada,
        by=world.sam,
        substance_code="codeine",
        kind="intolerance",
        severity="mild",
        reaction="Vomiting",
    )
    with time_machine.travel(YESTERDAY, tick=False):
        rx = prescribe(world.ada, cocodamol, by=world.sam, checker=world.tia)
    read = api_as(world.carla).get(f"/prescriptions/{rx.pk}").json()
    assert [f["kind"] for f in read["allergy_findings"]] == ["intolerance"] and not read["allergy_decision_needed"]
    with time_machine.travel(MORNING, tick=False):
        assert give(world.carla, morning_dose(rx)).administration.outcome == "given"


def test_a_free_text_allergy_still_matches_by_name_and_says_so(world, coamoxiclav):
    allergy_record(person=world.ada, by=world.sam, name="Augmentin (co-amoxiclav) tablets", severity="severe")
    with time_machine.travel(MORNING, tick=False), pytest.raises(AllergyDecisionNeeded) as refused:
        give(world.carla, morning_dose(course(world, coamoxiclav)))
    assert "written in words, not coded: Carebook matched it by name only" in refused.value.message


def test_no_prescription_is_checked_until_the_allergy_status_is_recorded(world):
    una = PersonFactory(location=world.home, given_name="Una", allergy_status=AllergyStatus.NOT_RECORDED)
    with time_machine.travel(YESTERDAY, tick=False):
        rx = prescribe(una, MedicineFactory(name="Amlodipine"), by=world.sam)
    with pytest.raises(ValidationFailed) as refused:
        prescription_check_transcription(prescription=rx, by=world.tia)
    assert refused.value.code == "allergy_status_not_recorded" and "Una" in refused.value.message
    una.allergy_status = AllergyStatus.HAS_ALLERGIES  # "has allergies", none listed
    una.save(update_fields=["allergy_status"])
    with pytest.raises(ValidationFailed) as refused:
        prescription_check_transcription(prescription=rx, by=world.tia)
    assert refused.value.code == "allergy_status_none_listed"
    from carebook.people.services import allergy_status_none_known

    allergy_status_none_known(person=una, by=world.sam, note="Asked her and the GP")
    prescription_check_transcription(prescription=rx, by=world.tia)
    assert rx.transcription_check


# --- Pages --------------------------------------------------------------------------------------------------------


def _rx_form(medicine, **extra) -> dict:
    return {
        "medicine_id": str(medicine.pk),
        "dose_min": "1",
        "directions": "Take ONE tablet THREE times a day for 5 days",
        "schedule_kind": "fixed_times",
        "time_1": "08:00",
        "time_2": "14:00",
        "time_3": "22:00",
        "start_date": "2026-06-09",
        "prescriber": "Dr A Khan",
        "source": "gp",
        **extra,
    }


@time_machine.travel(YESTERDAY, tick=False)
def test_entry_shows_the_match_and_saves_only_after_the_seniors_choice(client, world, penicillin_allergy, coamoxiclav):
    client.force_login(world.sam)
    url = reverse("medication:prescription_new", args=[world.ada.pk])
    first = client.post(url, _rx_form(coamoxiclav))
    assert first.status_code == 422 and not Prescription.objects.exists()
    html = first.content.decode()
    assert 'data-testid="prescription-review"' in html and "Allergy match: do not give" in html
    assert "Co-amoxiclav 500 mg/125 mg tablet contains amoxicillin, a penicillin." in html
    assert "Penicillins (allergy, moderate: Rash all over, 2009)" in html
    reviewed = first.context["review"].fingerprint
    # Seen, but no choice: still not saved.
    again = client.post(url, _rx_form(coamoxiclav, reviewed=reviewed))
    assert again.status_code == 422 and "Choose whether a senior" in again.content.decode()
    no_reason = client.post(url, _rx_form(coamoxiclav, reviewed=reviewed, allergy_choice="confirm"))
    assert no_reason.status_code == 422 and "Give the reason it is safe" in no_reason.content.decode()
    assert not Prescription.objects.exists()
    saved = client.post(url, _rx_form(coamoxiclav, reviewed=reviewed, allergy_choice="confirm", allergy_reason=GP_SAYS))
    assert saved.status_code == 302
    rx = Prescription.objects.get()
    assert AllergyDecision.objects.get(prescription=rx).reason == GP_SAYS
    page = client.get(reverse("medication:prescription", args=[rx.pk])).content.decode()
    assert "a senior decided to go on" in page and GP_SAYS in page


@time_machine.travel(YESTERDAY, tick=False)
def test_entry_may_hold_the_doses_for_a_senior_to_decide_later_on_the_decision_page(
    client, world, penicillin_allergy, coamoxiclav
):
    client.force_login(world.sam)
    url = reverse("medication:prescription_new", args=[world.ada.pk])
    reviewed = client.post(url, _rx_form(coamoxiclav)).context["review"].fingerprint
    assert client.post(url, _rx_form(coamoxiclav, reviewed=reviewed, allergy_choice="hold")).status_code == 302
    rx = Prescription.objects.get()
    assert not AllergyDecision.objects.exists()
    # The check page shows the finding, undecided, and where a senior decides.
    client.force_login(world.tia)
    check = client.get(reverse("medication:prescription_check", args=[rx.pk])).content.decode()
    assert 'data-decided="false"' in check and 'data-testid="decide-link"' in check
    decide_url = reverse("medication:prescription_allergy_decision", args=[rx.pk])
    assert client.post(decide_url, {"allergy_reason": ""}).status_code == 422
    assert client.post(decide_url, {"allergy_reason": GP_SAYS}).status_code == 302
    assert AllergyDecision.objects.get(prescription=rx).decided_by == world.tia
    client.force_login(world.carla)
    assert client.get(decide_url).status_code == 403


@time_machine.travel(MORNING, tick=False)
def test_the_recording_page_shows_her_allergies_and_the_finding_for_this_medicine(
    client, world, penicillin_allergy, coamoxiclav
):
    dose = morning_dose(course(world, coamoxiclav))
    client.force_login(world.carla)
    url = reverse("medication:record_dose", args=[dose.pk])
    html = client.get(url).content.decode()
    assert 'data-testid="allergy-hold"' in html  # at the top: cannot be missed
    assert "<strong>Penicillins</strong>: moderate (Rash all over, 2009)" in html  # her actual allergies
    assert 'data-testid="allergy-finding" data-kind="allergy" data-decided="false"' in html
    assert 'data-testid="decide-link"' not in html  # a care worker cannot decide
    answers = {f"prompt_{p}": "confirmed" for p in rules.prompts_for("")}
    refused = client.post(url, {**answers, "outcome": "given"})
    assert refused.status_code == 422 and "Do not give: Co-amoxiclav" in refused.content.decode()
    assert not Administration.objects.exists()
    allergy_decision_record(prescription=dose.prescription, by=world.sam, reason=GP_SAYS)
    html = client.get(url).content.decode()
    assert 'data-testid="allergy-hold"' not in html and 'data-decided="true"' in html and GP_SAYS in html


@time_machine.travel(MORNING, tick=False)
def test_the_recording_page_says_when_nothing_matched(client, world, penicillin_allergy):
    with time_machine.travel(YESTERDAY, tick=False):
        rx = prescribe(world.ada, curated_medicine("clarithromycin_500"), by=world.sam, checker=world.tia)
    client.force_login(world.carla)
    html = client.get(reverse("medication:record_dose", args=[morning_dose(rx).pk])).content.decode()
    assert "Carebook found no match between Clarithromycin 500 mg tablet and the allergies recorded." in html


@time_machine.travel(MORNING, tick=False)
def test_the_round_does_not_offer_a_held_dose_but_lets_the_carer_say_it_was_not_given(
    client, world, penicillin_allergy, coamoxiclav
):
    course(world, coamoxiclav)
    client.force_login(world.carla)
    html = client.get(
        reverse("medication:round", args=[world.home.pk]) + f"?unit={world.rowan.pk}&round=morning"
    ).content.decode()
    assert 'data-testid="dose-blocked"' in html and "Do not give: Co-amoxiclav" in html
    assert 'data-testid="record-not-given-link"' in html and 'data-testid="record-link"' not in html


# --- The cost of the record path ---------------------------------------------------------------------------------


def _statements(user, dose) -> int:
    with CaptureQueriesContext(connection) as ctx:
        give(user, dose)
    return len(ctx.captured_queries)


@time_machine.travel(MORNING, tick=False)
def test_checking_allergies_costs_nothing_for_a_person_without_any(world):
    """The lock query says (two EXISTS) whether an allergy or a capped ingredient can matter: a person without
    allergies costs no extra statement, whatever the medicine contains."""
    plain = MedicineFactory(name="Ramipril")  # nothing recorded of what it contains
    amlodipine = curated_medicine("amlodipine_5")  # contains amlodipine: no maximum, no allergy to match
    with time_machine.travel(YESTERDAY, tick=False):
        a = prescribe(world.ada, plain, by=world.sam, checker=world.tia)
        b = prescribe(world.ada, amlodipine, by=world.sam, checker=world.tia)
    base = _statements(world.carla, morning_dose(a))
    assert _statements(world.carla, morning_dose(b)) == base
    # Bert has a penicillin allergy: his amlodipine costs the allergy check (his allergies, the contents, the
    # cross-sensitivities of his allergy's class), and nothing more when it does not match.
    allergy_record(person=world.bert, by=world.sam, class_code="penicillins", severity="mild")
    with time_machine.travel(YESTERDAY, tick=False):
        c = prescribe(world.bert, amlodipine, by=world.sam, checker=world.tia)
    assert _statements(world.carla, morning_dose(c)) == base + 3
    assert base == BASE_STATEMENTS_PER_RECORDED_DOSE


# A given scheduled dose through the service, no witness: [BEGIN], the scoped lock-and-read, insert, prompt
# answers, slot recorded, the prompts shown (ADR 0030), audit, [COMMIT]. The allergy and ingredient gates ride on
# the lock-and-read.
BASE_STATEMENTS_PER_RECORDED_DOSE = 8
