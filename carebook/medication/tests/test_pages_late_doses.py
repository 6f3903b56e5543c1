"""Late doses on the pages: the recording page's choices, the round, the person's page and the MAR (ADR 0021).

Addie's co-amoxiclav is due at 08:00 and 20:00. At 16:10 Carla opens the missed morning dose.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.urls import reverse

from carebook.core.clock import LONDON
from carebook.medication import rules
from carebook.medication.models import Administration, DueDose, LateDoseDecision
from carebook.medication.pdf import render_mar_pdf_html
from carebook.medication.selectors.mar import mar_chart, mar_chart_as_json
from carebook.medication.services.administrations import LateDoseRequest, administration_record
from carebook.medication.vocab import LateDoseChoice
from carebook.testing.factories import PASSWORD, MedicineFactory, prescribe

DAY = dt.date(2026, 6, 10)


def local(hh: int, mm: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hh, mm, tzinfo=LONDON).astimezone(dt.UTC)


AFTERNOON = local(16, 10)


@pytest.fixture
def rx(world):
    with time_machine.travel(local(7) - dt.timedelta(days=1), tick=False):
        return prescribe(
            world.ada, MedicineFactory(name="Co-amoxiclav"), by=world.sam, checker=world.tia, times=["08:00", "20:00"]
        )


@pytest.fixture
def levodopa(world):
    with time_machine.travel(local(7) - dt.timedelta(days=1), tick=False):
        return prescribe(
            world.ada,
            MedicineFactory(name="Co-careldopa", time_critical=True),
            by=world.sam,
            checker=world.tia,
            times=["08:00", "20:00"],
        )


def slot(rx, hh: int) -> DueDose:
    return DueDose.objects.get(prescription=rx, local_date=DAY, local_time=dt.time(hh), moved_from__isnull=True)


def answers(**extra: str) -> dict[str, str]:
    return {f"prompt_{p}": "confirmed" for p in rules.prompts_for("")} | {"outcome": "given"} | extra


def url(dose: DueDose) -> str:
    return reverse("medication:record_dose", args=[dose.pk])


def page(response) -> str:
    return response.content.decode()


def test_the_recording_page_says_the_dose_is_too_close_and_offers_the_three_choices(client, world, rx):
    client.force_login(world.carla)
    with time_machine.travel(AFTERNOON, tick=False):
        html = page(client.get(url(slot(rx, 8))))
    assert 'data-testid="late-too-close"' in html
    assert "3 hours 50 minutes before the next dose at 20:00" in html
    for value in ("move_next", "omit_next", "omit_this"):
        assert f'value="{value}"' in html
    assert "22:10 or later" in html  # the earliest
    assert 'id="move_next_to"' in html and 'value="22:15"' in html  # suggested: still allowed a few minutes on
    assert "no later than 01:00 on 11 June" in html
    assert 'data-testid="late-senior"' not in html  # not time-critical


def test_the_suggested_time_is_still_allowed_when_the_form_is_saved_minutes_later(client, world, rx):
    client.force_login(world.carla)
    with time_machine.travel(AFTERNOON, tick=False):
        html = page(client.get(url(slot(rx, 8))))
    assert 'value="22:15"' in html
    with time_machine.travel(AFTERNOON + dt.timedelta(minutes=4, seconds=50), tick=False):
        response = client.post(
            url(slot(rx, 8)),
            answers(late_choice="move_next", move_next_to="22:15", late_reason="Pharmacist: keep 6 hours apart"),
        )
    assert response.status_code == 302, page(response)
    assert DueDose.objects.get(moved_from=slot(rx, 20)).scheduled_at == local(22, 15)


def test_saving_given_without_a_choice_is_refused_beside_the_choices_and_writes_nothing(client, world, rx):
    client.force_login(world.carla)
    with time_machine.travel(AFTERNOON, tick=False):
        response = client.post(url(slot(rx, 8)), answers())
    assert response.status_code == 422
    html = page(response)
    assert 'href="#late_choice"' in html and "Choose what to do" in html
    assert not Administration.objects.exists()


def test_give_now_and_move_the_next_then_the_round_shows_it_at_its_new_time(client, world, rx):
    client.force_login(world.carla)
    with time_machine.travel(AFTERNOON, tick=False):
        response = client.post(
            url(slot(rx, 8)),
            answers(late_choice="move_next", move_next_to="22:30", late_reason="Pharmacist: keep 6 hours apart"),
        )
    assert response.status_code == 302, page(response)
    moved = DueDose.objects.get(moved_from=slot(rx, 20))
    assert moved.scheduled_at == local(22, 30)
    with time_machine.travel(local(21, 0), tick=False):
        html = page(client.get(reverse("medication:round", args=[world.home.pk]) + "?round=night"))
    assert "at 22:30" in html and "Moved from 20:00: the dose before was given late" in html
    assert "Moved to 22:30" in html
    with time_machine.travel(local(17, 0), tick=False):
        morning = page(client.get(reverse("medication:round", args=[world.home.pk]) + "?round=morning"))
    assert "Late: given 7 hours 10 minutes after its window" in morning


def test_a_dose_moved_into_another_round_is_on_that_rounds_list(client, world):
    """08:00 and 14:00: the 08:00 dose given at 10:40 moves 14:00 to 13:40 — still lunchtime; at 11:10 the
    earliest is 14:10, in the teatime round, where the carers will look for it."""
    with time_machine.travel(local(7) - dt.timedelta(days=1), tick=False):
        rx = prescribe(
            world.ada, MedicineFactory(name="Flucloxacillin"), by=world.sam, checker=world.tia, times=["08:00", "14:00"]
        )
    with time_machine.travel(local(11, 10), tick=False):
        administration_record(
            by=world.carla,
            due_dose=slot(rx, 8),
            outcome="given",
            prompts=[rules.Answer(p, "confirmed") for p in rules.prompts_for("")],
            late=LateDoseRequest(LateDoseChoice.MOVE_NEXT, "Pharmacist advised"),
        )
    client.force_login(world.carla)
    with time_machine.travel(local(13, 0), tick=False):
        lunchtime = page(client.get(reverse("medication:round", args=[world.home.pk]) + "?round=lunchtime"))
        teatime = page(client.get(reverse("medication:round", args=[world.home.pk]) + "?round=teatime"))
    assert "Flucloxacillin" not in lunchtime
    assert "Flucloxacillin" in teatime and "at 14:10" in teatime


def test_omit_the_next_dose_from_the_page(client, world, rx):
    client.force_login(world.carla)
    with time_machine.travel(AFTERNOON, tick=False):
        response = client.post(url(slot(rx, 8)), answers(late_choice="omit_next", late_reason="GP: skip tonight's"))
    assert response.status_code == 302
    assert slot(rx, 20).state == "recorded"
    assert Administration.objects.get(due_dose=slot(rx, 20)).outcome == "not_required"


def test_omit_this_one_from_the_page_with_the_not_required_outcome(client, world, rx):
    client.force_login(world.carla)
    with time_machine.travel(AFTERNOON, tick=False):
        response = client.post(
            url(slot(rx, 8)), answers(outcome="not_required", late_choice="omit_this", late_reason="Too late today")
        )
    assert response.status_code == 302
    record = Administration.objects.get(due_dose=slot(rx, 8))
    assert record.outcome == "not_required" and "Too late today" in record.reason


def test_a_choice_without_a_reason_is_refused_beside_the_reason(client, world, rx):
    client.force_login(world.carla)
    with time_machine.travel(AFTERNOON, tick=False):
        response = client.post(url(slot(rx, 8)), answers(late_choice="omit_next"))
    assert response.status_code == 422
    assert 'href="#late_reason"' in page(response) and not Administration.objects.exists()


def test_a_moved_time_too_early_is_refused_beside_the_time(client, world, rx):
    client.force_login(world.carla)
    with time_machine.travel(AFTERNOON, tick=False):
        response = client.post(
            url(slot(rx, 8)), answers(late_choice="move_next", move_next_to="21:00", late_reason="Pharmacist")
        )
    assert response.status_code == 422
    html = page(response)
    assert 'href="#move_next_to"' in html and "22:10 on 10 June or later" in html


def test_a_time_critical_medicine_asks_for_a_senior_on_the_page(client, world, levodopa):
    client.force_login(world.carla)
    with time_machine.travel(AFTERNOON, tick=False):
        html = page(client.get(url(slot(levodopa, 8))))
        assert 'data-testid="late-senior"' in html
        refused = client.post(url(slot(levodopa, 8)), answers(late_choice="omit_this", late_reason="Nurse advised"))
        assert refused.status_code == 422 and 'href="#late_senior_username"' in page(refused)
        done = client.post(
            url(slot(levodopa, 8)),
            answers(
                late_choice="omit_this",
                late_reason="Parkinson's nurse advised",
                late_senior_username="sam",
                late_senior_password=PASSWORD,
            ),
        )
    assert done.status_code == 302
    assert LateDoseDecision.objects.get().confirmed_by == world.sam


def test_the_person_page_shows_the_late_dose_and_what_happened_to_the_next(client, world, rx):
    with time_machine.travel(AFTERNOON, tick=False):
        administration_record(
            by=world.carla,
            due_dose=slot(rx, 8),
            outcome="given",
            prompts=[rules.Answer(p, "confirmed") for p in rules.prompts_for("")],
            late=LateDoseRequest(LateDoseChoice.MOVE_NEXT, "Pharmacist: keep 6 hours apart"),
        )
    client.force_login(world.tia)
    with time_machine.travel(AFTERNOON + dt.timedelta(minutes=5), tick=False):
        html = page(client.get(reverse("people:person", args=[world.ada.pk])))
    assert 'data-testid="late-decisions"' in html
    assert "the next dose (20:00) was moved to 22:10 on 10 June" in html
    assert "Pharmacist: keep 6 hours apart" in html and "Decided by Carla Carer at 16:10" in html
    assert "Late: given 7 hours 10 minutes after its window" in html  # the record, and today's dose
    assert "Moved from 20:00" in html  # today's doses: the moved one at its new time


def test_the_mar_shows_the_late_minutes_the_moved_dose_and_the_decision_in_html_json_and_pdf(client, world, rx):
    with time_machine.travel(AFTERNOON, tick=False):
        administration_record(
            by=world.carla,
            due_dose=slot(rx, 8),
            outcome="given",
            prompts=[rules.Answer(p, "confirmed") for p in rules.prompts_for("")],
            late=LateDoseRequest(LateDoseChoice.MOVE_NEXT, "Pharmacist: keep 6 hours apart"),
        )
    with time_machine.travel(local(23), tick=False):
        chart = mar_chart(world.ada, DAY.replace(day=1))
        client.force_login(world.tia)
        html = page(client.get(reverse("medication:mar", args=[world.ada.pk]) + "?month=2026-06"))
    grid = next(r for r in chart.prescriptions if r.id == str(rx.pk))
    morning = next(row for row in grid.rows if row.label == "08:00").cells[DAY.day - 1]
    evening = next(row for row in grid.rows if row.label == "20:00").cells[DAY.day - 1]
    assert morning.entries[0].minutes_late == 430
    assert "given late, 7 hours 10 minutes after its window closed" in morning.entries[0].description
    assert evening.moved_to == "22:10" and evening.description.startswith("Moved to 22:10")
    used = {k.symbol for k in chart.key if k.used}
    assert {"+45", "→22:10"} <= used
    # HTML: the mark after the initials, the moved time in its cell, the decision listed.
    assert ">+430</abbr>" in html and "&rarr;22:10</abbr>" in html
    assert 'data-testid="mar-late-decisions"' in html and "Pharmacist: keep 6 hours apart" in html
    # JSON: the same, plainly.
    body = json.loads(json.dumps(mar_chart_as_json(chart)))
    assert body["late_decisions"][0]["choice"] == "move_next"
    assert "moved to 22:10" in body["late_decisions"][0]["what"]
    rows = next(p for p in body["prescriptions"] if p["id"] == str(rx.pk))["rows"]
    assert rows[0]["cells"][DAY.day - 1]["entries"][0]["minutes_late"] == 430
    assert rows[1]["cells"][DAY.day - 1]["moved_to"] == "22:10"
    # PDF (its HTML): the marks and the list.
    pdf = render_mar_pdf_html(chart)
    assert '<span class="lateby">+430</span>' in pdf and '<span class="moved">&rarr;22:10</span>' in pdf
    assert "Late doses and the next dose" in pdf and "Pharmacist: keep 6 hours apart" in pdf


def test_the_mar_api_carries_the_late_decisions(world, rx):
    from carebook.medication.api.testing import api_as

    with time_machine.travel(AFTERNOON, tick=False):
        administration_record(
            by=world.carla,
            due_dose=slot(rx, 8),
            outcome="given",
            prompts=[rules.Answer(p, "confirmed") for p in rules.prompts_for("")],
            late=LateDoseRequest(LateDoseChoice.OMIT_NEXT, "GP: skip tonight's"),
        )
        body = api_as(world.tia).get(f"/people/{world.ada.pk}/mar", {"month": "2026-06"}).json()
    assert body["late_decisions"][0]["choice"] == "omit_next"
    assert "was omitted" in body["late_decisions"][0]["what"]
