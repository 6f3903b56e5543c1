"""The round prompts the carer to follow up when-required doses 30 minutes after they were given."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import time_machine
from django.urls import reverse

from carebook.medication import rules
from carebook.medication.services.administrations import administration_record, prn_follow_up_record
from carebook.testing.factories import prescribe_paracetamol_prn

GIVEN = dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC)  # 10:00 BST


def test_a_prn_dose_appears_on_the_round_for_follow_up_until_its_effect_is_recorded(client, world):
    with time_machine.travel(GIVEN - dt.timedelta(days=1), tick=False):
        rx = prescribe_paracetamol_prn(world.ada, by=world.sam, checker=world.tia)
    answers = [rules.Answer(p, "confirmed") for p in rules.prompts_for("")]
    with time_machine.travel(GIVEN, tick=False):
        record = administration_record(
            by=world.carla,
            prescription=rx,
            outcome="given",
            prompts=answers,
            dose_given=Decimal("1"),
            prn_reason="Headache",
        ).administration
    client.force_login(world.carla)
    url = reverse("medication:round", args=[world.home.pk]) + f"?unit={world.rowan.pk}"
    with time_machine.travel(GIVEN + dt.timedelta(minutes=20), tick=False):
        assert 'data-testid="round-follow-ups"' not in client.get(url).content.decode()  # too early
    with time_machine.travel(GIVEN + dt.timedelta(minutes=40), tick=False):
        page = client.get(url).content.decode()
        assert 'data-testid="round-follow-ups"' in page and "Addie: Paracetamol" in page and "given at 10:00" in page
        assert reverse("medication:prn_follow_up", args=[record.pk]) in page
        other_unit = reverse("medication:round", args=[world.home.pk]) + f"?unit={world.willow.pk}"
        assert 'data-testid="round-follow-ups"' not in client.get(other_unit).content.decode()
        prn_follow_up_record(administration=record, by=world.carla, effect="effective")
        assert 'data-testid="round-follow-ups"' not in client.get(url).content.decode()
