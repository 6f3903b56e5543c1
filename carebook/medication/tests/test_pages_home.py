"""The home page per role: the round for care workers, a dashboard for seniors and the office."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carebook.access.models import Role
from carebook.medication import rules
from carebook.medication.models import DueDose
from carebook.medication.services.administrations import administration_record
from carebook.medication.services.prescriptions import prescription_discontinue, prescription_suspend
from carebook.testing.factories import MedicineFactory, PersonFactory, UserFactory, prescribe

YESTERDAY = dt.datetime(2026, 6, 9, 9, 0, tzinfo=dt.UTC)
NOON = dt.datetime(2026, 6, 10, 11, 0, tzinfo=dt.UTC)  # 12:00 BST
TODAY = dt.date(2026, 6, 10)


def at(hour: int, minute: int = 0) -> dt.datetime:
    """A London wall time today, as UTC (BST is UTC+1 in June)."""
    return dt.datetime(2026, 6, 10, hour - 1, minute, tzinfo=dt.UTC)


def confirmed() -> list[rules.Answer]:
    return [rules.Answer(p, "confirmed") for p in rules.prompts_for("")]


def dose(rx, hour: int, minute: int = 0) -> DueDose:
    return DueDose.objects.get(prescription=rx, local_date=TODAY, local_time=dt.time(hour, minute))


def progress_rows(html: str, location) -> dict[str, dict[str, int]]:
    """{row label: {count name: number}} from the progress table of one location."""
    start = html.index(f'data-testid="progress-{location.pk}"')
    table = html[start : html.index("</table>", start)]
    rows = {}
    for row in re.findall(r'<tr class="nhsuk-table__row" data-testid="progress-row">(.*?)</tr>', table, re.S):
        label = re.sub(r"<[^>]+>", "", row.split("<br>")[0]).strip()
        counts = {name: int(n) for name, n in re.findall(r'data-count="(\w+)">(\d+)', row)}
        rows[unescape(label)] = counts
    return rows


@pytest.fixture
def round_today(world):
    """Ada (Rowan) and Bert (Willow), with today's doses given, refused, overdue and still due at noon."""
    with time_machine.travel(YESTERDAY, tick=False):
        ada_rx = prescribe(
            world.ada,
            MedicineFactory(name="Amlodipine"),
            by=world.sam,
            checker=world.tia,
            times=["08:00", "10:00", "18:00"],
        )
        held = prescribe(
            world.ada, MedicineFactory(name="Ramipril"), by=world.sam, checker=world.tia, times=["09:00", "18:00"]
        )
        bert_rx = prescribe(
            world.bert,
            MedicineFactory(name="Senna"),
            by=world.sam,
            checker=world.tia,
            times=["08:00", "11:30", "20:00"],
        )
        prescribe(
            world.bert,
            MedicineFactory(name="Co-careldopa", time_critical=True),
            by=world.sam,
            checker=world.tia,
            times=["11:20"],
        )
        prescribe(
            world.stranger,
            MedicineFactory(name="Elsewhere"),
            by=UserFactory(role=Role.SENIOR_CARER, at=world.elsewhere),
            checker=UserFactory(role=Role.TEAM_LEADER, at=world.elsewhere),
        )
    with time_machine.travel(at(8), tick=False):
        administration_record(by=world.carla, due_dose=dose(ada_rx, 8), outcome="given", prompts=confirmed())
    with time_machine.travel(at(10), tick=False):
        administration_record(
            by=world.carla, due_dose=dose(ada_rx, 10), outcome="refused_final", reason="Said no", prompts=confirmed()
        )
    with time_machine.travel(NOON, tick=False):
        prescription_suspend(prescription=held, by=world.sam, reason="GP asked to hold")  # 09:00 left pending
    return {"ada": ada_rx, "bert": bert_rx}


# --- Who sees what ----------------------------------------------------------------------------------------


def test_a_care_worker_goes_straight_to_the_round(client, world):
    client.force_login(world.carla)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("medication:round_start")


def test_sign_in_first(client, world):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and "sign" in response["Location"]


@pytest.mark.parametrize("persona", ["sam", "tia", "maria", "colin", "pat"])
def test_seniors_and_the_office_see_the_dashboard(client, world, persona):
    client.force_login(getattr(world, persona))
    response = client.get(reverse("home"))
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert "Prescriptions awaiting a transcription check" in html and "Today's round progress" in html
    assert f'data-testid="progress-{world.home.pk}"' in html
    assert f'data-testid="progress-{world.elsewhere.pk}"' not in html


# --- Awaiting a transcription check ----------------------------------------------------------------------


@time_machine.travel(NOON, tick=False)
def test_awaiting_checks_at_my_locations_and_who_may_check_them(client, world):
    by_tia = prescribe(world.ada, MedicineFactory(name="Digoxin"), by=world.tia)
    by_sam = prescribe(world.bert, MedicineFactory(name="Warfarin"), by=world.sam)
    checked = prescribe(world.bert, MedicineFactory(name="Checked"), by=world.sam, checker=world.tia)
    stopped = prescribe(world.bert, MedicineFactory(name="Stopped"), by=world.sam)
    prescription_discontinue(prescription=stopped, by=world.tia, reason="Entered for the wrong person")
    olga = UserFactory(role=Role.SENIOR_CARER, at=world.elsewhere)
    elsewhere = prescribe(world.stranger, MedicineFactory(name="Far away"), by=olga)

    client.force_login(world.sam)
    html = unescape(client.get(reverse("home")).content.decode())
    listed = html[html.index('data-testid="awaiting-checks"') : html.index('id="round-progress"')]
    assert str(by_tia.pk) in listed and str(by_sam.pk) in listed
    for absent in (checked, stopped, elsewhere):
        assert str(absent.pk) not in listed
    # Sam may check Tia's entry, not his own: his own says who else must
    tia_item = listed[listed.index(f'data-testid="awaiting-{by_tia.pk}"') :]
    assert reverse("medication:prescription_check", args=[by_tia.pk]) in tia_item
    sam_item = listed[listed.index(f'data-testid="awaiting-{by_sam.pk}"') :]
    sam_item = sam_item[: sam_item.index("</li>")]
    assert reverse("medication:prescription_check", args=[by_sam.pk]) not in sam_item
    assert "You entered this, so someone else must check it" in sam_item
    assert "senior carer, team leader or registered manager" in sam_item

    # Colin, a coordinator, sees the list but is offered no check
    client.force_login(world.colin)
    html = unescape(client.get(reverse("home")).content.decode())
    assert "/check/" not in html and "A senior carer, team leader or registered manager who did not enter it" in html


def test_nothing_awaiting(client, world):
    client.force_login(world.tia)
    assert 'data-testid="no-awaiting-checks"' in client.get(reverse("home")).content.decode()


# --- Today's round progress ------------------------------------------------------------------------------------


@time_machine.travel(NOON, tick=False)
def test_round_progress_per_unit_and_for_the_home(client, world, round_today):
    client.force_login(world.tia)
    html = unescape(client.get(reverse("home")).content.decode())
    rows = progress_rows(html, world.home)
    # Rowan: 08:00 given, 10:00 refused, 18:00 still due (the suspended medicine's doses are not counted)
    assert rows["Rowan"] == {"due": 3, "given": 1, "not_given": 1, "still_due": 1, "overdue": 0}
    # Willow: 08:00 overdue; time-critical 11:20 overdue (30-minute window); 11:30 and 20:00 still due
    assert rows["Willow"] == {"due": 4, "given": 0, "not_given": 0, "still_due": 2, "overdue": 2}
    assert rows["Total"] == {"due": 7, "given": 1, "not_given": 1, "still_due": 3, "overdue": 2}
    assert "Refused (will not offer again): 1" in html
    assert f"{reverse('medication:round', args=[world.home.pk])}?unit={world.rowan.pk}" in html


@time_machine.travel(NOON, tick=False)
def test_the_dashboard_costs_the_same_queries_for_many_people(client, world, round_today):
    client.force_login(world.tia)
    client.get(reverse("home"))  # warm up: session, user
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    with time_machine.travel(YESTERDAY, tick=False):
        for i in range(8):
            person = PersonFactory(location=world.home, unit=world.willow if i % 2 else world.rowan)
            rx = prescribe(person, MedicineFactory(), by=world.sam if i % 3 else world.tia, times=["08:00", "13:00"])
            if i % 2:
                from carebook.medication.services.prescriptions import prescription_check_transcription

                prescription_check_transcription(prescription=rx, by=world.maria)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
    # 12 for the round's dashboard and the alerts panel, one for the viewer's entries sent back by a checker, and
    # one for the audits panel, which a provider without audit templates does not show.
    assert len(few.captured_queries) <= 14
