"""Any input the allergy forms can receive gets a page or a form error, never a 500; a refused form writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from carebook.medication.tests.test_pages_fuzz import FUZZ, PRESCRIPTION_FIELDS, _post, form_data, junk
from carebook.people.services import allergy_record
from carebook.testing.factories import curated_medicine, prescribe

NOW = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)
ALLERGY_FIELDS = ["allergen", "allergen_text", "reaction", "severity", "kind", "note", "confirm", "reason"]


@pytest.fixture
def scene(world):
    coamoxiclav = curated_medicine("coamoxiclav_500_125")
    allergy = allergy_record(person=world.bert, by=world.sam, class_code="penicillins", severity="severe")
    with time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
        held = prescribe(world.bert, coamoxiclav, by=world.sam)
    return {
        "new": reverse("people:allergy_new", args=[world.ada.pk]),
        "nka": reverse("people:allergies_none_known", args=[world.ada.pk]),
        "correct": reverse("people:allergy_correct", args=[world.bert.pk, allergy.pk]),
        "decide": reverse("medication:prescription_allergy_decision", args=[held.pk]),
        "new_rx": reverse("medication:prescription_new", args=[world.bert.pk]),
        "coamoxiclav": str(coamoxiclav.pk),
    }


@FUZZ
@given(data=form_data(ALLERGY_FIELDS), which=st.sampled_from(["new", "nka", "correct"]))
def test_the_allergy_forms_never_fail_with_a_500(client, world, scene, data, which):
    client.force_login(world.sam)
    _post(client, scene[which], data)


@FUZZ
@given(reason=junk)
def test_the_decision_page_never_fails_with_a_500(client, world, scene, reason):
    client.force_login(world.sam)
    _post(client, scene["decide"], {"allergy_reason": reason})


@FUZZ
@given(data=form_data([*PRESCRIPTION_FIELDS, "allergy_choice", "allergy_reason", "reviewed"]), match=st.booleans())
def test_the_prescription_review_never_fails_with_a_500(client, world, scene, data, match):
    client.force_login(world.sam)
    if match:
        data = {**data, "medicine_id": scene["coamoxiclav"]}  # an allergy match, reviewed or not
    _post(client, scene["new_rx"], data)
