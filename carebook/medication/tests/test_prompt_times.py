"""Each safety check is stored with the time it was answered, as the server saw the tap."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.urls import reverse

from carebook.medication import rules
from carebook.medication.models import DueDose, PromptAnswer
from carebook.testing.factories import MedicineFactory, prescribe, prescribe_paracetamol_prn

MORNING = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)  # 08:00 BST
MINUTE = dt.timedelta(minutes=1)


def all_confirmed() -> dict[str, str]:
    return {f"prompt_{p}": "confirmed" for p in rules.prompts_for("")}


def morning_dose(world) -> DueDose:
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        rx = prescribe(world.ada, MedicineFactory(), by=world.sam, checker=world.tia)
    return DueDose.objects.get(prescription=rx, local_date=dt.date(2026, 6, 10))


def test_each_tapped_check_keeps_the_servers_time_of_the_tap(client, world):
    dose = morning_dose(world)
    client.force_login(world.carla)
    answer_url = reverse("medication:record_dose_answer", args=[dose.pk])
    with time_machine.travel(MORNING, tick=False):
        assert client.post(answer_url, {"prompt": "right_person", "result": "confirmed"}).status_code == 204
    with time_machine.travel(MORNING + MINUTE, tick=False):
        client.post(answer_url, {"prompt": "right_medicine", "result": "failed"})
        client.post(answer_url, {"prompt": "right_medicine", "result": "confirmed"})  # changed their mind
    with time_machine.travel(MORNING + 3 * MINUTE, tick=False):
        response = client.post(
            reverse("medication:record_dose", args=[dose.pk]), {**all_confirmed(), "outcome": "given"}
        )
    assert response.status_code == 302
    times = {a.prompt: a.answered_at for a in PromptAnswer.objects.all()}
    assert times["right_person"] == MORNING
    assert times["right_medicine"] == MORNING + MINUTE
    assert times["consent"] == MORNING + 3 * MINUTE  # not reported: timed when the record was saved
    assert client.session.get(f"cb_prompt_taps:dose:{dose.pk}") is None  # used once


def test_a_tap_whose_answer_then_changed_is_timed_at_saving(client, world):
    dose = morning_dose(world)
    client.force_login(world.carla)
    with time_machine.travel(MORNING, tick=False):
        client.post(reverse("medication:record_dose_answer", args=[dose.pk]), {"prompt": "consent", "result": "failed"})
    with time_machine.travel(MORNING + 2 * MINUTE, tick=False):
        client.post(reverse("medication:record_dose", args=[dose.pk]), {**all_confirmed(), "outcome": "given"})
    assert PromptAnswer.objects.get(prompt="consent").answered_at == MORNING + 2 * MINUTE


def test_a_prn_dose_keeps_tap_times_too(client, world):
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        rx = prescribe_paracetamol_prn(world.ada, by=world.sam, checker=world.tia)
    client.force_login(world.carla)
    with time_machine.travel(MORNING, tick=False):
        client.post(
            reverse("medication:give_prn_answer", args=[rx.pk]), {"prompt": "right_person", "result": "confirmed"}
        )
    with time_machine.travel(MORNING + MINUTE, tick=False):
        response = client.post(
            reverse("medication:give_prn", args=[rx.pk]),
            {**all_confirmed(), "outcome": "given", "dose_given": "1", "prn_reason": "Headache"},
        )
    assert response.status_code == 302
    assert PromptAnswer.objects.get(prompt="right_person").answered_at == MORNING


def test_reporting_a_tap_is_checked_like_recording(client, world):
    dose = morning_dose(world)
    url = reverse("medication:record_dose_answer", args=[dose.pk])
    client.force_login(world.carla)
    assert client.post(url, {"prompt": "pulse", "result": "confirmed"}).status_code == 422  # not a check here
    assert client.post(url, {"prompt": "consent", "result": "maybe"}).status_code == 422
    assert client.get(url).status_code == 405
    client.force_login(world.colin)  # a coordinator does not record doses
    assert client.post(url, {"prompt": "consent", "result": "confirmed"}).status_code == 403
    client.force_login(world.otto)  # another provider's carer
    assert client.post(url, {"prompt": "consent", "result": "confirmed"}).status_code == 404
