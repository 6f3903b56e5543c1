"""The MAR on the pharmacy's cycle (ADR 0039, H69): every day in exactly one cycle; a cycle that runs across two
calendar months shows the doses of both; the page, the PDF and the API by ?cycle=, and by default where the location
keeps one; a bad value is a 422 beside its field."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from carebook.core.errors import ValidationFailed
from carebook.medication import rules
from carebook.medication.api.testing import api_as
from carebook.medication.models import DueDose
from carebook.medication.selectors.mar import chart_for, mar_chart_as_json, mar_cycle_chart
from carebook.medication.services.administrations import administration_record
from carebook.medication.services.doses import due_doses_extend_horizon
from carebook.testing.factories import MedicineFactory, prescribe

START = dt.date(2026, 11, 19)  # the home's cycle: 28 days from Thursday 19 November
NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)


@given(
    st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 12, 31)),
    st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2027, 12, 31)),
    st.integers(min_value=7, max_value=56),
)
def test_every_day_falls_in_exactly_one_cycle_and_the_cycles_tile(day, start, length):
    cycle = rules.cycles.cycle_containing(day, start=start, length=length)
    assert cycle.first <= day <= cycle.last and cycle.days == length
    assert (cycle.first - start).days % length == 0  # before the start as after it
    after = rules.cycles.next_cycle(cycle)
    assert after.first == cycle.last + dt.timedelta(days=1)
    assert rules.cycles.previous_cycle(after) == cycle
    assert rules.cycles.cycle_containing(cycle.last, start=start, length=length) == cycle


@pytest.mark.parametrize("value", ["2026-02-30", "04/12/2026", "", "1999-01-01"])
def test_a_bad_cycle_day_is_refused_beside_its_field(value):
    with pytest.raises(ValidationFailed) as err:
        rules.cycles.parse_day(value)
    assert err.value.field == "cycle"


@pytest.fixture
def on_a_cycle(world):
    world.home.mar_cycle_start, world.home.mar_cycle_days = START, 28
    world.home.save(update_fields=["mar_cycle_start", "mar_cycle_days"])
    with time_machine.travel(dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC), tick=False):
        rx = prescribe(world.ada, MedicineFactory(name="Ramipril"), by=world.sam, checker=world.tia)
    world.ada.refresh_from_db()
    return rx


def answers() -> list[rules.Answer]:
    return [rules.Answer(p, "confirmed") for p in rules.prompts_for("")]


def test_a_cycle_across_two_months_shows_the_doses_of_both(world, on_a_cycle):
    for day in (dt.date(2026, 11, 30), dt.date(2026, 12, 2)):
        with time_machine.travel(dt.datetime.combine(day, dt.time(6), tzinfo=dt.UTC), tick=False):
            due_doses_extend_horizon()
        dose = DueDose.objects.get(prescription=on_a_cycle, local_date=day)
        with time_machine.travel(dose.scheduled_at, tick=False):
            administration_record(by=world.carla, due_dose=dose, outcome="given", prompts=answers())
    with time_machine.travel(NOW, tick=False):
        chart = mar_cycle_chart(world.ada, dt.date(2026, 12, 4))
    assert (chart.days[0].date, chart.days[-1].date) == (START, dt.date(2026, 12, 16)) and len(chart.days) == 28
    assert chart.is_cycle and chart.month_label.startswith("19 November to 16 December 2026")
    cells = {c.date: c for c in chart.prescriptions[0].rows[0].cells}
    assert cells[dt.date(2026, 11, 30)].entries and cells[dt.date(2026, 12, 2)].entries
    assert chart.period.previous_query == "cycle=2026-10-22" and chart.period.next_query == "cycle=2026-12-17"
    body = mar_chart_as_json(chart)
    assert (body["period_start"], body["period_end"], body["month"]) == ("2026-11-19", "2026-12-16", "2026-11")


def test_the_default_is_the_current_cycle_and_a_month_can_still_be_asked(world, on_a_cycle):
    with time_machine.travel(NOW, tick=False):
        assert chart_for(world.ada).slug == "2026-11-19"
        assert chart_for(world.ada, month="2026-12").slug == "2026-12"
        assert chart_for(world.ada, cycle="2026-12-20").slug == "2026-12-17"
        assert chart_for(world.stranger).slug == "2026-12"  # no cycle at his home: the month


def test_pages_pdf_and_api_by_cycle(client, world, on_a_cycle):
    with time_machine.travel(NOW, tick=False):
        client.force_login(world.carla)
        page = unescape(client.get(reverse("medication:mar", args=[world.ada.pk])).content.decode())
        assert "19 November to 16 December 2026" in page and 'data-testid="mar-by-month"' in page
        assert "?cycle=2026-12-17" in page
        bad = client.get(reverse("medication:mar", args=[world.ada.pk]), {"cycle": "2026-13-01"})
        assert bad.status_code == 422 and "is not a date" in unescape(bad.content.decode())
        pdf = client.get(reverse("medication:mar_pdf", args=[world.ada.pk]), {"cycle": "2026-12-01"})
        assert pdf.status_code == 200 and "2026-11-19" in pdf["Content-Disposition"]
        api = api_as(world.carla)
        body = api.get(f"/people/{world.ada.pk}/mar", {"cycle": "2026-12-01"}).json()
        assert (body["period_start"], body["period"]["kind"]) == ("2026-11-19", "cycle")


# --- The registered manager's setting ----------------------------------------------------------------------------


def test_the_registered_manager_sets_the_cycle_audited_and_others_may_not(client, world):
    from carebook.audit_log.models import AuditEvent

    url = reverse("medication:medicine_settings", args=[world.home.pk])
    with time_machine.travel(NOW, tick=False):
        for persona in ("carla", "sam", "tia", "colin"):
            client.force_login(getattr(world, persona))
            assert client.post(url, {"keeps": "cycle", "cycle_start": "2026-11-19"}).status_code == 403
        client.force_login(world.otto)
        assert client.get(url).status_code == 403
        client.force_login(world.maria)
        assert client.get(url).status_code == 200
        refused = client.post(url, {"keeps": "cycle", "cycle_start": "2026-11-19", "cycle_days": "5"})
        assert refused.status_code == 422 and "7 to 56 days" in unescape(refused.content.decode())
        assert client.post(url, {"keeps": "cycle", "cycle_start": "", "cycle_days": "28"}).status_code == 422
        assert client.post(url, {"keeps": "cycle", "cycle_start": "2026-11-19", "cycle_days": "28"}).status_code == 302
        world.home.refresh_from_db()
        assert (world.home.mar_cycle_start, world.home.mar_cycle_days) == (START, 28)
        event = AuditEvent.objects.get(action="location.medicine_settings_set")
        assert event.actor == world.maria and event.before["mar_cycle_start"] is None
        assert event.after == {"mar_cycle_start": "2026-11-19", "mar_cycle_days": 28}
        assert client.post(url, {"keeps": "month", "cycle_days": "28"}).status_code == 302
        world.home.refresh_from_db()
        assert world.home.mar_cycle_start is None
        mar = client.get(reverse("medication:mar", args=[world.ada.pk])).content.decode()
        assert 'data-testid="mar-settings"' in mar
        client.force_login(world.maria)
        other = reverse("medication:medicine_settings", args=[world.elsewhere.pk])
        assert client.get(other).status_code == 404


def test_the_pdf_lists_the_when_required_doses_with_time_quantity_reason_and_effect(world):
    from carebook.medication.pdf import render_mar_pdf_html
    from carebook.medication.services.administrations import prn_follow_up_record
    from carebook.testing.factories import prescribe_paracetamol_prn

    with time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
        prn = prescribe_paracetamol_prn(world.ada, by=world.sam, checker=world.tia)
    with time_machine.travel(NOW, tick=False):
        given = administration_record(
            by=world.carla,
            prescription=prn,
            outcome="given",
            prompts=answers(),
            dose_given=Decimal("2"),
            prn_reason="Headache after lunch",
        ).administration
    with time_machine.travel(NOW + dt.timedelta(minutes=45), tick=False):
        prn_follow_up_record(by=world.carla, administration=given, effect="effective", note="Says it has gone")
        html = render_mar_pdf_html(chart_for(world.ada, month="2026-12"))
    table = html[html.index('data-testid="pdf-prn-doses"') :]
    assert "12:00" in table and "2 tablets" in table and "Headache after lunch" in table
    assert "Worked" in table
