"""The same ingredient across products (ADR 0023): Ada takes paracetamol tablets four times a day and has
co-codamol when required. Both contain paracetamol: 4 g in 24 hours is the most from both together.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carebook.core.clock import LONDON
from carebook.medication import rules
from carebook.medication.api.testing import api_as
from carebook.medication.models import Administration, DueDose, Prescription
from carebook.medication.rules.ingredients import IngredientMaximumReached
from carebook.medication.selectors.person import person_page
from carebook.medication.services.administrations import administration_record
from carebook.testing.factories import MedicineFactory, curated_medicine, prescribe


def local(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 6, day, hour, minute, tzinfo=LONDON).astimezone(dt.UTC)


QDS = ["08:00", "12:00", "17:00", "22:00"]


def confirmed() -> list[rules.Answer]:
    return [rules.Answer(p, "confirmed") for p in rules.prompts_for("")]


@pytest.fixture
def regimen(world):
    """Paracetamol 500 mg, two tablets four times a day; co-codamol 30/500, one or two when required."""
    tablets, cocodamol = curated_medicine("paracetamol_500"), curated_medicine("cocodamol_30_500")
    with time_machine.travel(local(8, 9), tick=False):
        qds = prescribe(world.ada, tablets, by=world.sam, checker=world.tia, dose_min="2", times=QDS)
        prn = prescribe(
            world.ada,
            cocodamol,
            by=world.sam,
            checker=world.tia,
            schedule_kind="prn",
            times=[],
            dose_min="1",
            dose_max="2",
            indication="Severe pain",
            prn_min_interval_minutes=240,
            prn_max_quantity_24h="8",
            directions="ONE or TWO when required, 4 hours apart, at most EIGHT in 24 hours",
        )
    return qds, prn


def slot(rx: Prescription, day: int, time: str) -> DueDose:
    hour, minute = map(int, time.split(":"))
    return DueDose.objects.get(prescription=rx, local_date=dt.date(2026, 6, day), local_time=dt.time(hour, minute))


def give_slot(world, rx, day, time, *, minutes_late: int = 0):
    dose = slot(rx, day, time)
    with time_machine.travel(dose.scheduled_at + dt.timedelta(minutes=minutes_late), tick=False):
        return administration_record(by=world.carla, due_dose=dose, outcome="given", prompts=confirmed())


def give_prn(world, rx, at, quantity="2", **kwargs):
    return administration_record(
        by=world.carla,
        prescription=rx,
        outcome="given",
        prompts=confirmed(),
        dose_given=Decimal(quantity),
        prn_reason="Pain in her hip, 7 out of 10",
        **kwargs,
    )


def test_co_codamol_is_refused_when_her_paracetamol_tablets_have_reached_4_g(world, regimen):
    qds, prn = regimen
    for time in QDS:
        give_slot(world, qds, 9, time)  # 4 g of paracetamol on 9 June
    with time_machine.travel(local(9, 23), tick=False), pytest.raises(IngredientMaximumReached) as refused:
        give_prn(world, prn, local(9, 23), quantity="1")
    message = refused.value.message
    assert message.startswith("Paracetamol: at most 4 g in 24 hours, from every medicine that contains it.")
    assert "1 g at 08:00 on 09 June (Paracetamol 500 mg tablet)" in message and "1 g at 22:00 on 09 June" in message
    assert "This dose (500 mg) would make 4.5 g." in message
    assert "The next dose containing paracetamol can be given from 08:00 on 10 June." in message
    assert refused.value.details["allowed_from"] == local(10, 8).isoformat()
    assert Administration.objects.filter(prescription=prn).count() == 0
    # Not given is still allowed, with the reason.
    with time_machine.travel(local(9, 23), tick=False):
        administration_record(
            by=world.carla,
            prescription=prn,
            outcome="not_required",
            prompts=[rules.Answer("right_person", "confirmed")],
            reason="Offered paracetamol-free comfort measures: 4 g already today.",
        )


def test_a_scheduled_dose_waits_until_yesterdays_first_dose_leaves_the_24_hours(world, regimen):
    qds, _ = regimen
    give_slot(world, qds, 9, "08:00", minutes_late=30)  # 08:30
    for time in QDS[1:]:
        give_slot(world, qds, 9, time)
    with pytest.raises(IngredientMaximumReached) as refused:
        give_slot(world, qds, 10, "08:00", minutes_late=10)  # 08:10: the 24 hours since 08:10 hold 4 g
    assert "can be given from 08:30 on 10 June" in refused.value.message
    assert give_slot(world, qds, 10, "08:00", minutes_late=30).administration.outcome == "given"


def test_a_back_dated_dose_cannot_slip_between_the_doses_after_it(world, regimen):
    qds, prn = regimen
    for time in QDS:
        give_slot(world, qds, 9, time)
    # At 23:00, a carer records co-codamol "given at 06:00" that morning: the 24 hours to 22:00 would hold 5 g.
    with time_machine.travel(local(9, 23), tick=False), pytest.raises(IngredientMaximumReached) as refused:
        give_prn(world, prn, local(9, 23), administered_at=local(9, 6))
    assert refused.value.field == "administered_at" and "with the doses recorded after it" in refused.value.message


def test_the_api_says_what_was_given_and_from_when(world, regimen):
    qds, prn = regimen
    for time in QDS:
        give_slot(world, qds, 9, time)
    body = {
        "prescription_id": str(prn.pk),
        "outcome": "given",
        "dose_given": "1",
        "prn_reason": "Hip pain",
        "prompts": [{"prompt": p, "result": "confirmed"} for p in rules.prompts_for("")],
    }
    with time_machine.travel(local(9, 23), tick=False):
        response = api_as(world.carla).post("/administrations", body)
    assert response.status_code == 422
    error = response.json()
    assert error["code"] == "ingredient_max_24h_reached" and error["details"]["ingredient"] == "Paracetamol"
    assert len(error["details"]["given"]) == 4 and error["details"]["allowed_from"] == local(10, 8).isoformat()


def test_the_person_page_offers_co_codamol_by_the_same_rule(world, regimen):
    qds, _ = regimen
    for time in QDS[:3]:
        give_slot(world, qds, 9, time)  # 3 g by 17:00
    with time_machine.travel(local(9, 18), tick=False):
        [offer] = person_page(person=world.ada, user=world.carla).prn_offers
    assert offer.can_give_now  # one co-codamol more is 3.5 g
    assert offer.ingredients_24h == [
        "Codeine (as codeine phosphate): 0 mg of at most 240 mg in the last 24 hours, from every medicine that "
        "contains it",
        "Paracetamol: 3 g of at most 4 g in the last 24 hours, from every medicine that contains it",
    ]
    give_slot(world, qds, 9, "22:00")
    with time_machine.travel(local(9, 22, 30), tick=False):
        [offer] = person_page(person=world.ada, user=world.carla).prn_offers
        assert not offer.can_give_now and offer.next_allowed == local(10, 8)


def test_the_round_does_not_offer_a_dose_that_would_go_over(client, world, regimen):
    qds, _ = regimen
    give_slot(world, qds, 9, "08:00", minutes_late=40)
    for time in QDS[1:]:
        give_slot(world, qds, 9, time)
    client.force_login(world.carla)
    url = reverse("medication:round", args=[world.home.pk]) + f"?unit={world.rowan.pk}&round=morning"
    with time_machine.travel(local(10, 8, 5), tick=False):
        html = client.get(url).content.decode()
    assert 'data-testid="dose-blocked"' in html and "can be given from 08:40 on 10 June" in html
    with time_machine.travel(local(10, 8, 41), tick=False):
        assert 'data-testid="record-link"' in client.get(url).content.decode()


def test_entry_and_the_check_warn_that_two_prescriptions_share_an_ingredient(client, world):
    tablets, cocodamol = curated_medicine("paracetamol_500"), curated_medicine("cocodamol_30_500")
    with time_machine.travel(local(8, 9), tick=False):
        qds = prescribe(world.ada, tablets, by=world.sam, checker=world.tia, dose_min="2", times=QDS)
    client.force_login(world.sam)
    url = reverse("medication:prescription_new", args=[world.ada.pk])
    form = {
        "medicine_id": str(cocodamol.pk),
        "dose_min": "1",
        "dose_max": "2",
        "directions": "ONE or TWO when required",
        "indication": "Severe pain",
        "schedule_kind": "prn",
        "prn_interval_hours": "4",
        "prn_max_quantity_24h": "8",
        "start_date": "2026-06-08",
        "prescriber": "Dr A Khan",
        "source": "gp",
    }
    with time_machine.travel(local(8, 10), tick=False):
        first = client.post(url, form)
        assert first.status_code == 422 and not Prescription.objects.filter(medicine=cocodamol).exists()
        html = first.content.decode()
        assert 'data-testid="shared-ingredient"' in html
        assert (
            "Co-codamol 30 mg/500 mg tablet and Paracetamol 500 mg tablet (already prescribed) both contain paracetamol"
            in html
        )
        saved = client.post(url, {**form, "reviewed": first.context["review"].fingerprint})
    assert saved.status_code == 302
    rx = Prescription.objects.get(medicine=cocodamol)
    client.force_login(world.tia)
    check = client.get(reverse("medication:prescription_check", args=[rx.pk])).content.decode()
    assert 'data-testid="shared-ingredient"' in check and str(qds.pk) in check
    body = api_as(world.carla).get(f"/prescriptions/{rx.pk}").json()
    [shared] = body["shared_ingredients"]
    assert (shared["ingredient"], shared["other_prescription_id"], shared["max_24h_mg"]) == (
        "paracetamol",
        str(qds.pk),
        "4000",
    )
    assert {i["substance"]: i["amount_mg"] for i in body["medicine"]["ingredients"]} == {
        "codeine": "30",
        "paracetamol": "500",
    }


def _statements(world, dose) -> int:
    with time_machine.travel(dose.scheduled_at, tick=False), CaptureQueriesContext(connection) as ctx:
        administration_record(by=world.carla, due_dose=dose, outcome="given", prompts=confirmed())
    return len(ctx.captured_queries)


def test_a_capped_ingredient_costs_two_statements_and_no_other_medicine_pays_for_it(world):
    """Recording paracetamol reads its contents and, in one query, the doses of every medicine sharing it; a
    medicine without a capped ingredient reads neither."""
    plain = MedicineFactory(name="Ramipril")
    with time_machine.travel(local(8, 9), tick=False):
        a = prescribe(world.ada, plain, by=world.sam, checker=world.tia)
        b = prescribe(world.ada, curated_medicine("paracetamol_500"), by=world.sam, checker=world.tia, dose_min="2")
    base = _statements(world, slot(a, 9, "08:00"))
    assert _statements(world, slot(b, 9, "08:00")) == base + 2
    # The count does not grow with the doses in the window.
    assert _statements(world, slot(b, 10, "08:00")) == base + 2
