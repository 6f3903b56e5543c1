"""Creams and ointments (H67): the areas the prescription names and how thickly, shown where it is applied; the
care worker applying it says where it went, refused anywhere not prescribed; who applied it is the record's own."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from carebook.core.errors import ValidationFailed
from carebook.medication import rules
from carebook.medication.models import Administration, DueDose, Medicine
from carebook.medication.selectors.round import site_choices
from carebook.medication.services.administrations import administration_record
from carebook.testing.factories import MedicineFactory, prescribe

MORNING = dt.datetime(2026, 12, 4, 8, 0, tzinfo=dt.UTC)


def answers() -> list[rules.Answer]:
    return [rules.Answer(p, "confirmed") for p in rules.prompts_for("")]


@pytest.fixture
def cream(world):
    medicine = MedicineFactory(name="Diprobase", strength="", form=Medicine.Form.CREAM, dose_unit="application")
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        return prescribe(
            world.ada,
            medicine,
            by=world.sam,
            checker=world.tia,
            route="topical",
            directions="Apply to both legs every morning",
            times=["08:00"],
            apply_to=["right leg", "Left Leg"],
            apply_how="liberal",
        )


def dose(rx) -> DueDose:
    return DueDose.objects.get(prescription=rx, local_date=MORNING.date())


def test_the_choices_are_the_prescribed_areas_and_all_of_them():
    assert rules.sites.applied_choices(["left leg", "right leg"]) == [
        "all the prescribed areas: left leg and right leg",
        "left leg",
        "right leg",
    ]
    assert rules.sites.applied_choices(["back"]) == ["back"]
    assert rules.sites.applied_choices([]) == list(rules.sites.TOPICAL_AREAS)
    assert rules.sites.check_applied(apply_to=["back"], site=" Back ") == "back"
    with pytest.raises(ValidationFailed) as err:
        rules.sites.check_applied(apply_to=["back"], site="face")
    assert err.value.code == "area_not_prescribed" and "back" in err.value.message
    with pytest.raises(ValidationFailed):
        rules.sites.check_applied(apply_to=[], site="")


def test_the_prescription_keeps_its_areas_in_the_lists_words_and_order(cream):
    assert cream.apply_to == ["left leg", "right leg"]
    assert cream.apply_how == "liberal"


@time_machine.travel(MORNING - dt.timedelta(days=1), tick=False)
@pytest.mark.parametrize(
    ("medicine_form", "overrides", "field"),
    [
        (Medicine.Form.TABLET, {"apply_to": ["back"]}, "apply_to"),  # only a cream has areas
        (Medicine.Form.CREAM, {"apply_to": ["elbow"]}, "apply_to"),
        (Medicine.Form.CREAM, {"apply_how": "thick"}, "apply_how"),
    ],
)
def test_areas_refused_beside_their_field(world, medicine_form, overrides, field):
    with pytest.raises(ValidationFailed) as err:
        prescribe(world.ada, MedicineFactory(form=medicine_form), by=world.sam, **overrides)
    assert err.value.field == field


@time_machine.travel(MORNING, tick=False)
def test_the_care_worker_says_where_it_went(world, cream):
    before = Administration.objects.count()
    with pytest.raises(ValidationFailed) as err:
        administration_record(by=world.carla, due_dose=dose(cream), outcome="given", prompts=answers())
    assert err.value.field == "site"
    with pytest.raises(ValidationFailed) as err:
        administration_record(by=world.carla, due_dose=dose(cream), outcome="given", prompts=answers(), site="face")
    assert err.value.code == "area_not_prescribed"
    assert Administration.objects.count() == before
    record = administration_record(
        by=world.carla,
        due_dose=dose(cream),
        outcome="given",
        prompts=answers(),
        site="All the prescribed areas: left leg and right leg",
    ).administration
    assert record.site == "all the prescribed areas: left leg and right leg"
    assert record.recorded_by == world.carla  # who applied it


@time_machine.travel(MORNING, tick=False)
def test_a_refusal_needs_no_area(world, cream):
    administration_record(
        by=world.carla, due_dose=dose(cream), outcome="refused", prompts=answers(), reason="Skin sore, declined"
    )


@time_machine.travel(MORNING, tick=False)
def test_the_recording_pages_show_where_and_how_thickly(client, world, cream):
    choices = site_choices(cream, world.ada.pk)
    assert next(row.site for row in choices["site_rows"]).startswith("all the prescribed areas")
    assert "Apply to the left leg and right leg" in choices["site_rule"] and "Liberally" in choices["site_rule"]
    client.force_login(world.carla)
    page = client.get(reverse("medication:record_dose", args=[dose(cream).pk])).content.decode()
    assert "Where you applied it" in page and "Apply to the left leg and right leg" in page
    detail = client.get(reverse("medication:prescription", args=[cream.pk])).content.decode()
    assert "Where it goes" in detail
