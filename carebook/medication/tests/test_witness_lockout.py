"""Wrong witness passwords lock that witness's confirmations for a cool-off, never their sign-in."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from carebook.access.models import WitnessFailure
from carebook.audit_log.models import AuditEvent
from carebook.medication import rules
from carebook.medication.models import Administration, DueDose, Medicine
from carebook.testing.factories import PASSWORD, MedicineFactory, prescribe

MORNING = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)
LIMIT = settings.CAREBOOK["WITNESS_FAILURE_LIMIT"]


def _morphine_dose(world):
    morphine = MedicineFactory(name="Morphine", form=Medicine.Form.LIQUID, dose_unit="mL", controlled_drug_schedule=2)
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        rx = prescribe(world.ada, morphine, by=world.sam, checker=world.tia, dose_min="5")
    return DueDose.objects.get(prescription=rx, local_date=dt.date(2026, 6, 10))


def _sign_in(username: str):
    return Client().post(reverse("access:sign_in"), {"username": username, "password": PASSWORD})


def test_wrong_witness_passwords_lock_the_witness_confirmations_but_not_their_sign_in(client, world):
    dose = _morphine_dose(world)
    url = reverse("medication:record_dose", args=[dose.pk])
    form = {f"prompt_{p}": "confirmed" for p in rules.prompts_for("")} | {"outcome": "given", "witness_username": "sam"}
    client.force_login(world.carla)
    with time_machine.travel(MORNING, tick=False):
        for _ in range(LIMIT - 1):
            response = client.post(url, {**form, "witness_password": "guess"})
            assert response.status_code == 422 and "password is not right" in response.content.decode()
        response = client.post(url, {**form, "witness_password": "guess"})  # the attempt that reaches the limit
        assert response.status_code == 422 and "Too many wrong passwords" in response.content.decode()
        # Now even the right password is refused until the cool-off ends, and nothing is written
        response = client.post(url, {**form, "witness_password": PASSWORD})
        assert response.status_code == 422 and "Too many wrong passwords" in response.content.decode()
        assert not Administration.objects.exists()
        # Each failure is kept and audited, and so is the lock, with who typed them
        assert WitnessFailure.objects.filter(username="sam", recorder=world.carla).count() == LIMIT
        assert AuditEvent.objects.filter(action="witness.password_failed").count() == LIMIT
        assert AuditEvent.objects.get(action="witness.locked").actor == world.carla
        # Sam can still sign in and work: the lock is on confirming as a witness only
        assert _sign_in("sam").status_code == 302
    with time_machine.travel(MORNING + dt.timedelta(minutes=20), tick=False):
        response = client.post(url, {**form, "witness_password": PASSWORD})
        assert response.status_code == 302 and Administration.objects.get().witness == world.sam


def test_wrong_witness_passwords_do_not_count_towards_the_sign_in_lockout(client, world):
    """Without the separation, a care worker could lock a senior out of the product by typing their name."""
    dose = _morphine_dose(world)
    url = reverse("medication:record_dose", args=[dose.pk])
    form = {f"prompt_{p}": "confirmed" for p in rules.prompts_for("")} | {"outcome": "given", "witness_username": "sam"}
    client.force_login(world.carla)
    with time_machine.travel(MORNING, tick=False):
        for _ in range(settings.AXES_FAILURE_LIMIT + 2):
            client.post(url, {**form, "witness_password": "guess"})
        assert _sign_in("sam").status_code == 302


def test_an_unknown_witness_name_is_refused_in_the_same_words_and_counted(client, world):
    dose = _morphine_dose(world)
    url = reverse("medication:record_dose", args=[dose.pk])
    form = {f"prompt_{p}": "confirmed" for p in rules.prompts_for("")} | {"outcome": "given"}
    client.force_login(world.carla)
    with time_machine.travel(MORNING, tick=False):
        response = client.post(url, {**form, "witness_username": "nobody", "witness_password": "guess"})
    assert response.status_code == 422 and "password is not right" in response.content.decode()
    assert WitnessFailure.objects.get().username == "nobody"
    assert not Administration.objects.exists()
