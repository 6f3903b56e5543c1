"""The MAR chart through the API: the same chart as the page, as JSON or as the printable PDF."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from carebook.medication import rules
from carebook.medication.api.testing import api_as
from carebook.medication.models import DueDose
from carebook.medication.services.administrations import administration_record
from carebook.testing.factories import MedicineFactory, prescribe

MORNING = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)  # 08:00 BST


@pytest.fixture
def ada_given_ramipril(world):
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        rx = prescribe(world.ada, MedicineFactory(name="Ramipril"), by=world.sam, checker=world.tia)
    dose = DueDose.objects.get(prescription=rx, local_date=MORNING.date())
    with time_machine.travel(MORNING, tick=False):
        administration_record(
            by=world.carla,
            due_dose=dose,
            outcome="given",
            prompts=[rules.Answer(p, "confirmed") for p in rules.prompts_for("")],
        )
    return rx


@time_machine.travel(MORNING + dt.timedelta(hours=2), tick=False)
def test_the_mar_chart_as_json(world, ada_given_ramipril):
    response = api_as(world.carla).get(f"/people/{world.ada.pk}/mar", {"month": "2026-06"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    chart = response.json()
    assert chart["month"] == "2026-06" and chart["person"]["full_name"] == "Ada Lovelace"
    assert len(chart["days"]) == 30
    [rx] = chart["prescriptions"]
    assert rx["medicine_name"] == "Ramipril"
    marks = [e["initials"] for row in rx["rows"] for cell in row["cells"] for e in cell["entries"]]
    assert marks == ["CC"]


@time_machine.travel(MORNING + dt.timedelta(hours=2), tick=False)
def test_the_mar_chart_as_pdf_by_path_or_by_accept_header(world, ada_given_ramipril):
    api = api_as(world.maria)
    by_path = api.get(f"/people/{world.ada.pk}/mar.pdf", {"month": "2026-06"})
    assert by_path.status_code == 200 and by_path["Content-Type"] == "application/pdf"
    assert by_path.content.startswith(b"%PDF")
    by_accept = api.get(f"/people/{world.ada.pk}/mar", {"month": "2026-06"}, headers={"Accept": "application/pdf"})
    assert by_accept.status_code == 200 and by_accept.content.startswith(b"%PDF")


def test_a_bad_month_is_422_and_another_locations_person_404(world):
    api = api_as(world.carla)
    for month in ("2026-13", "June", "1999-12"):
        response = api.get(f"/people/{world.ada.pk}/mar", {"month": month})
        assert response.status_code == 422 and response.json()["field"] == "month", month
    # Neither month nor cycle: this month (Ada's home keeps no pharmacy cycle); a cycle day not a date: 422.
    assert api.get(f"/people/{world.ada.pk}/mar").status_code == 200
    assert api.get(f"/people/{world.ada.pk}/mar", {"cycle": "2026-02-30"}).status_code == 422
    assert api.get(f"/people/{world.stranger.pk}/mar", {"month": "2026-06"}).status_code == 404
    assert api.get(f"/people/{world.stranger.pk}/mar.pdf", {"month": "2026-06"}).status_code == 404
