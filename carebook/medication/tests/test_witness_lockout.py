"""Failed witness passwords count towards the sign-in lockout, so a witness's password cannot be guessed."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.conf import settings
from django.urls import reverse

from carebook.medication import rules
from carebook.medication.models import Administration, DueDose, Medicine
from carebook.testing.factories import PASSWORD, MedicineFactory, prescribe

MORNING = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)


def test_a_witness_is_locked_out_after_too_many_wrong_passwords(client, world):
    morphine = MedicineFactory(name="Morphine", form=Medicine.Form.LIQUID, dose_unit="mL", controlled_drug_schedule=2)
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        rx = prescribe(world.ada, morphine, by=world.sam, checker=world.tia, dose_min="5")
    dose = DueDose.objects.get(prescription=rx, local_date=dt.date(2026, 6, 10))
    url = reverse("medication:record_dose", args=[dose.pk])
    form = {f"prompt_{p}": "confirmed" for p in rules.prompts_for("")} | {"outcome": "given", "witness_username": "sam"}
    client.force_login(world.carla)
    with time_machine.travel(MORNING, tick=False):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            response = client.post(url, {**form, "witness_password": "guess"})
            assert response.status_code == 422 and "password is not right" in response.content.decode()
        response = client.post(url, {**form, "witness_password": "guess"})  # the attempt that reaches the limit
        assert response.status_code == 422 and "Too many wrong passwords" in response.content.decode()
        # Now even the right password is refused until the lockout ends, and nothing is written
        response = client.post(url, {**form, "witness_password": PASSWORD})
        assert response.status_code == 422 and "Too many wrong passwords" in response.content.decode()
        assert not Administration.objects.exists()
        # The witness cannot sign in either: the same lockout
        other = client_class_sign_in(world)
        assert other.status_code == 429
    with time_machine.travel(MORNING + dt.timedelta(minutes=20), tick=False):
        response = client.post(url, {**form, "witness_password": PASSWORD})
        assert response.status_code == 302 and Administration.objects.get().witness == world.sam


def client_class_sign_in(world):
    from django.test import Client

    return Client().post(reverse("access:sign_in"), {"username": "sam", "password": PASSWORD})
