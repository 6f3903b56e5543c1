"""Patches and injections: the site from the body map, rotated by the prescription's rule, and a new patch that
records the old one taken off (rules.sites, hazard H63)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from carebook.core.errors import ValidationFailed
from carebook.medication import rules
from carebook.medication.models import Administration, DueDose, Medicine
from carebook.medication.services.administrations import administration_record
from carebook.testing.factories import MedicineFactory, prescribe

DAY = dt.date(2026, 6, 10)
MORNING = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)  # 08:00 BST
PATCH = {"name": "Buprenorphine", "strength": "5 micrograms/hour", "form": Medicine.Form.PATCH, "dose_unit": "patch"}


def confirmed() -> list[rules.Answer]:
    return [rules.Answer(p, "confirmed") for p in rules.prompts_for("")]


@pytest.fixture
def patch(world):
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        return prescribe(
            world.ada,
            MedicineFactory(**PATCH),
            by=world.sam,
            checker=world.tia,
            route="transdermal",
            directions="Apply ONE patch each morning",
        )


def dose(rx, day: int) -> DueDose:
    from carebook.medication.services.doses import due_doses_extend_horizon

    with time_machine.travel(MORNING + dt.timedelta(days=day - 1), tick=False):
        due_doses_extend_horizon()
    return DueDose.objects.get(prescription=rx, local_date=DAY + dt.timedelta(days=day))


def apply(world, rx, day: int, site: str, **kwargs) -> Administration:
    with time_machine.travel(MORNING + dt.timedelta(days=day, minutes=5), tick=False):
        return administration_record(
            by=world.carla, due_dose=dose(rx, day), outcome="given", prompts=confirmed(), site=site, **kwargs
        ).administration


def test_the_site_comes_from_the_body_map_and_the_first_patch_asks_for_no_old_one(world, patch):
    with pytest.raises(ValidationFailed) as err:
        apply(world, patch, 0, "left knee")
    assert err.value.field == "site" and "from the list" in err.value.message
    first = apply(world, patch, 0, "Left Upper Arm")
    assert (first.site, first.old_patch, first.old_patch_site) == ("left upper arm", "", "")


def test_the_same_site_twice_running_is_refused_and_the_old_patch_is_recorded_with_the_new(world, patch):
    apply(world, patch, 0, "left upper arm")
    with pytest.raises(ValidationFailed) as err:
        apply(world, patch, 1, "left upper arm", old_patch="removed")
    assert err.value.field == "site" and err.value.code == "site_not_rotated"
    assert "The left upper arm was used for the last application" in err.value.message
    with pytest.raises(ValidationFailed) as err:
        apply(world, patch, 1, "right upper arm")  # the old patch not accounted for
    assert err.value.field == "old_patch" and "on the left upper arm" in err.value.message
    assert Administration.objects.count() == 1  # nothing half-written
    second = apply(world, patch, 1, "right upper arm", old_patch="removed")
    assert (second.site, second.old_patch, second.old_patch_site) == ("right upper arm", "removed", "left upper arm")


def test_an_old_patch_not_found_says_what_happened(world, patch):
    apply(world, patch, 0, "left upper back")
    with pytest.raises(ValidationFailed) as err:
        apply(world, patch, 1, "right upper back", old_patch="not_found")
    assert err.value.field == "observations"
    second = apply(world, patch, 1, "right upper back", old_patch="not_found", observations="Found in the bed")
    assert second.old_patch == "not_found" and second.old_patch_site == "left upper back"


def test_the_prescription_may_rest_a_site_for_several_applications(world):
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        rx = prescribe(
            world.ada,
            MedicineFactory(**PATCH),
            by=world.sam,
            checker=world.tia,
            route="transdermal",
            directions="Apply ONE patch each morning; not the same skin for 3 weeks",
            site_gap=3,
        )
    for day, site in enumerate(["left upper arm", "right upper arm", "left upper chest"]):
        apply(world, rx, day, site, old_patch="removed")
    with pytest.raises(ValidationFailed) as err:
        apply(world, rx, 3, "left upper arm", old_patch="removed")  # three applications ago
    assert "3 applications ago" in err.value.message and "any of the last 3 applications" in err.value.message
    assert apply(world, rx, 3, "right upper chest", old_patch="removed").site == "right upper chest"


def test_only_a_patch_or_an_injection_has_a_site_rule(world):
    with pytest.raises(ValidationFailed) as err, time_machine.travel(MORNING, tick=False):
        prescribe(world.ada, MedicineFactory(name="Ramipril"), by=world.sam, site_gap=2)
    assert err.value.field == "site_gap"


def test_the_rules_body_map_and_rotation():
    rows = rules.sites.site_rows(Medicine.Form.PATCH, ["right upper arm", "left upper arm"], 2)
    resting = {r.site: r.used for r in rows if not r.allowed}
    assert resting == {"right upper arm": "used for the last application", "left upper arm": "used 2 applications ago"}
    assert rules.sites.rotation_text(None) == "A different site from the last one each time"
    assert rules.sites.canonical(Medicine.Form.INJECTION, "  Left   Thigh ") == "left thigh"


def test_the_recording_page_shows_the_body_map_with_the_last_site_resting_and_asks_for_the_old_patch(
    client, world, patch
):
    apply(world, patch, 0, "left upper arm")
    next_dose = dose(patch, 1)
    client.force_login(world.carla)
    with time_machine.travel(MORNING + dt.timedelta(days=1), tick=False):
        html = client.get(reverse("medication:record_dose", args=[next_dose.pk])).content.decode()
    assert "A different site from the last one each time. Last time: the left upper arm." in html
    assert 'value="left upper arm" disabled' in html and "(not this time: used for the last application)" in html
    assert 'value="right upper arm">' in html
    assert "The old patch, on the left upper arm" in html and "Taken off the left upper arm" in html
