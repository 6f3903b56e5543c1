"""The MAR chart: the month's grid, its key and corrections, as a page, as JSON and as an A4-landscape PDF."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import statistics
import time
import zlib
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carebook.core import clock
from carebook.medication import rules
from carebook.medication.models import Administration, DueDose, Medicine
from carebook.medication.pdf import render_mar_pdf
from carebook.medication.selectors.mar import CellState, MarChart, mar_chart, mar_chart_as_json, parse_month
from carebook.medication.services.administrations import (
    WitnessCredentials,
    administration_mark_entered_in_error,
    administration_record,
)
from carebook.medication.services.doses import due_doses_generate
from carebook.medication.services.prescriptions import PrescriptionInput, prescription_change, prescription_discontinue
from carebook.people.models import AllergyStatus
from carebook.testing.factories import PASSWORD, MedicineFactory, prescribe

MARCH = dt.date(2026, 3, 1)
APRIL = dt.date(2026, 4, 1)
BEFORE_MARCH = dt.datetime(2026, 2, 27, 12, 0, tzinfo=dt.UTC)
AFTER_MARCH = dt.datetime(2026, 4, 2, 12, 0, tzinfo=dt.UTC)


def all_confirmed(check: str = "") -> list[rules.Answer]:
    return [
        rules.Answer(p, "confirmed", Decimal("72") if p in rules.READING_PROMPTS else None)
        for p in rules.prompts_for(check)
    ]


def person_confirmed() -> list[rules.Answer]:
    return [rules.Answer("right_person", "confirmed")]


def local(day: dt.date, hhmm: str) -> dt.datetime:
    return clock.local_wall_time(day, dt.time.fromisoformat(hhmm))


def prescribe_for_month(world, medicine, *, month=MARCH, entered_at=BEFORE_MARCH, person=None, **overrides):
    """Enter and check a prescription before the month, with its due doses for the whole month."""
    next_month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    with time_machine.travel(entered_at, tick=False):
        rx = prescribe(
            person or world.ada,
            medicine,
            by=world.sam,
            checker=world.tia,
            start_date=overrides.pop("start", month),
            **overrides,
        )
        due_doses_generate(prescription=rx, start=local(month, "00:00"), end=local(next_month, "00:00"))
    return rx


def dose_of(rx, day: dt.date, hhmm: str = "08:00") -> DueDose:
    return DueDose.objects.exclude(state="withdrawn").get(
        prescription=rx, local_date=day, local_time=dt.time.fromisoformat(hhmm)
    )


def record(world, rx, day, hhmm="08:00", *, by=None, outcome="given", after=dt.timedelta(minutes=5), **kwargs):
    dose = dose_of(rx, day, hhmm)
    prompts = kwargs.pop("prompts", None)
    if prompts is None:
        prompts = all_confirmed(rx.effective_check) if outcome in ("given", "given_partial") else person_confirmed()
    with time_machine.travel(dose.scheduled_at + after, tick=False):
        return administration_record(
            by=by or world.carla, due_dose=dose, outcome=outcome, prompts=prompts, **kwargs
        ).administration


def give_prn(world, rx, at: dt.datetime, quantity="1", reason="Knee pain", **kwargs):
    with time_machine.travel(at, tick=False):
        return administration_record(
            by=kwargs.pop("by", world.carla),
            prescription=rx,
            outcome="given",
            prompts=all_confirmed(),
            dose_given=Decimal(quantity),
            prn_reason=reason,
            **kwargs,
        ).administration


def build(person, month=MARCH, now=AFTER_MARCH) -> MarChart:
    with time_machine.travel(now, tick=False):
        return mar_chart(person, month)


def cell(chart: MarChart, medicine: str, day: int, hhmm: str = "08:00"):
    versions = [r for r in chart.prescriptions if r.medicine_name == medicine]
    rx = next((r for r in versions if r.status == "active"), versions[0])
    row = next(r for r in rx.rows if r.label == hhmm)
    return row.cells[day - 1]


@pytest.fixture
def ramipril(world):
    return prescribe_for_month(world, MedicineFactory(name="Ramipril", strength="5 mg"))


@pytest.fixture
def paracetamol(world):
    return prescribe_for_month(
        world,
        MedicineFactory(name="Paracetamol", strength="500 mg"),
        schedule_kind="prn",
        times=[],
        dose_min="1",
        dose_max="2",
        indication="Pain",
        prn_min_interval_minutes=240,
        prn_max_quantity_24h="8",
        directions="One or two tablets up to four times a day when required for pain",
    )


def page(client, user, person, month: str | None = None, *, pdf=False, now=AFTER_MARCH):
    client.force_login(user)
    url = reverse("medication:mar_pdf" if pdf else "medication:mar", args=[person.pk])
    with time_machine.travel(now, tick=False):
        return client.get(url, {"month": month} if month is not None else {})


# --- The grid -----------------------------------------------------------------------------------


def test_given_dose_shows_the_initials_of_who_gave_it(world, ramipril, client):
    record(world, ramipril, dt.date(2026, 3, 10))
    chart = build(world.ada)
    given = cell(chart, "Ramipril", 10)
    assert given.state == CellState.GIVEN
    assert [e.text for e in given.entries] == ["CC"]
    assert any(s.initials == "CC" and s.name == "Carla Carer" for s in chart.staff)
    response = page(client, world.carla, world.ada, "2026-03")
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(
        r'data-day="10"><span class="cb-mar-entry"><abbr title="Given[^"]*Carla Carer[^"]*">CC</abbr>', html
    )


def test_refusal_shows_its_code_and_the_reason_in_the_list(world, ramipril, client):
    record(world, ramipril, dt.date(2026, 3, 11), outcome="refused", reason="Said she felt sick")
    chart = build(world.ada)
    refused = cell(chart, "Ramipril", 11)
    # Refused, to offer again, and never offered again (ADR 0034): the refusal shows; the dose has no outcome.
    assert refused.state == CellState.NOT_RECORDED
    assert refused.description.startswith("Refused (will offer again) at 08:05, to offer again by 09:00.")
    assert refused.entries[0].offered_again
    assert refused.entries[0].text == "R" and refused.entries[0].initials == "CC"
    [note] = chart.not_given
    assert (note.code, note.reason, note.by, note.time_label) == ("R", "Said she felt sick", "Carla Carer", "08:00")
    assert next(k for k in chart.key if k.symbol == "R").used
    html = page(client, world.carla, world.ada, "2026-03").content.decode()
    assert "Said she felt sick" in html and "Refused (will offer again)" in html


def test_entered_in_error_is_struck_through_beside_the_correcting_record(world, ramipril, client):
    day = dt.date(2026, 3, 12)
    wrong = record(world, ramipril, day, outcome="refused", reason="Refused")
    with time_machine.travel(local(day, "08:30"), tick=False):
        administration_mark_entered_in_error(administration=wrong, by=world.sam, reason="Tapped the wrong person")
    right = record(world, ramipril, day, after=dt.timedelta(minutes=35))
    chart = build(world.ada)
    corrected = cell(chart, "Ramipril", 12)
    assert corrected.state == CellState.GIVEN
    assert [(e.text, e.in_error) for e in corrected.entries] == [("R", True), ("CC", False)]
    [correction] = chart.corrections
    assert correction.marked_by == "Sam Senior" and correction.reason == "Tapped the wrong person"
    assert correction.replaced_by_id == str(right.pk) and "Given" in correction.replaced_by
    assert f"{correction.marked_at:%H:%M}" == "08:30"
    assert next(k for k in chart.key if k.symbol == "EIE").used
    html = page(client, world.carla, world.ada, "2026-03").content.decode()
    assert re.search(r"<del><abbr [^>]*>R</abbr></del> <abbr class=\"cb-mar-eie\"", html)
    assert "Tapped the wrong person" in html
    # Nothing was hidden or deleted: both records are still there.
    assert Administration.objects.filter(due_dose__local_date=day).count() == 2


def test_an_entered_in_error_record_with_no_replacement_still_shows_and_the_slot_is_open(world, ramipril):
    day = dt.date(2026, 3, 13)
    wrong = record(world, ramipril, day)
    with time_machine.travel(local(day, "09:30"), tick=False):
        administration_mark_entered_in_error(administration=wrong, by=world.carla, reason="Recorded on the wrong day")
    chart = build(world.ada)
    slot = cell(chart, "Ramipril", 13)
    assert [(e.text, e.in_error) for e in slot.entries] == [("CC", True)]
    assert slot.state == CellState.NOT_RECORDED and slot.mark == "—"
    assert chart.corrections[0].replaced_by == ""


def test_a_late_entry_is_marked(world, ramipril, client):
    day = dt.date(2026, 3, 14)
    dose = dose_of(ramipril, day)
    with time_machine.travel(dose.scheduled_at + dt.timedelta(hours=2), tick=False):
        administration_record(
            by=world.carla,
            due_dose=dose,
            outcome="given",
            prompts=all_confirmed(),
            administered_at=dose.scheduled_at + dt.timedelta(minutes=3),
        )
    chart = build(world.ada)
    entry = cell(chart, "Ramipril", 14).entries[0]
    assert entry.late_entry and "late entry" in entry.description
    assert next(k for k in chart.key if k.symbol == "*").used
    html = page(client, world.carla, world.ada, "2026-03").content.decode()
    assert re.search(r'<abbr class="cb-mar-late" title="Late entry: recorded at 10:0\d on 14 Mar">\*</abbr>', html)


def test_prn_doses_are_listed_by_day_with_times_quantities_initials_and_reasons(world, paracetamol, client):
    day = dt.date(2026, 3, 10)
    give_prn(world, paracetamol, local(day, "10:15"), quantity="2", reason="Knee pain after walk")
    give_prn(world, paracetamol, local(day, "16:40"), quantity="1", reason="Headache", by=world.sam)
    chart = build(world.ada)
    [prn] = chart.prn
    assert prn.medicine_name == "Paracetamol" and chart.prescriptions == []
    tenth = prn.prn_days[9]
    assert [(e.time_label, e.quantity, e.text) for e in tenth.entries] == [("10:15", "2", "CC"), ("16:40", "1", "SS")]
    assert prn.prn_days[8].state == CellState.PRN and prn.prn_days[8].entries == []
    assert [e.prn_reason for e in chart.prn_entries] == ["Knee pain after walk", "Headache"]
    html = page(client, world.carla, world.ada, "2026-03").content.decode()
    assert "Knee pain after walk" in html and 'data-testid="mar-prn-grid"' in html
    assert re.search(r">10:15 2 CC</abbr>", html)


def test_a_controlled_drug_shows_the_witness_initials(world):
    morphine = MedicineFactory(
        name="Morphine sulfate",
        strength="10 mg/5 mL",
        form=Medicine.Form.LIQUID,
        dose_unit="mL",
        controlled_drug_schedule=2,
    )
    rx = prescribe_for_month(world, morphine, dose_min="5")
    record(world, rx, dt.date(2026, 3, 9), witness=WitnessCredentials("sam", PASSWORD))
    chart = build(world.ada)
    assert cell(chart, "Morphine sulfate", 9).entries[0].text == "CC/SS"
    [summary] = chart.prescriptions
    assert [f.short for f in summary.flags] == ["CD2"]
    assert next(k for k in chart.key if k.symbol == "CC/SS").used
    assert {s.initials for s in chart.staff} == {"CC", "SS"}


def test_partial_dose_is_p_and_initials(world):
    rx = prescribe_for_month(world, MedicineFactory(name="Lactulose", dose_unit="mL"), dose_min="10")
    record(world, rx, dt.date(2026, 3, 9), outcome="given_partial", dose_given=Decimal("5"), reason="Only took half")
    chart = build(world.ada)
    slot = cell(chart, "Lactulose", 9)
    assert slot.state == CellState.PARTIAL and slot.entries[0].text == "P CC"
    assert chart.not_given[0].reason == "Only took half"


def test_pending_past_window_future_withdrawn_and_no_dose_cells(world):
    mid_march = dt.datetime(2026, 3, 15, 12, 0, tzinfo=dt.UTC)
    prescribe_for_month(world, MedicineFactory(name="Amlodipine"), start=dt.date(2026, 3, 5))
    stopped = prescribe_for_month(world, MedicineFactory(name="Bisoprolol"))
    with time_machine.travel(mid_march, tick=False):
        prescription_discontinue(prescription=stopped, by=world.sam, reason="Pulse too low")
    chart = build(world.ada, now=mid_march)
    assert cell(chart, "Amlodipine", 4).state == CellState.NO_DOSE
    assert cell(chart, "Amlodipine", 14).state == CellState.NOT_RECORDED
    assert cell(chart, "Amlodipine", 14).mark == "—"
    assert cell(chart, "Amlodipine", 20).state == CellState.FUTURE and cell(chart, "Amlodipine", 20).entries == []
    assert cell(chart, "Bisoprolol", 16).state == CellState.WITHDRAWN and cell(chart, "Bisoprolol", 16).mark == "X"
    bisoprolol = next(r for r in chart.prescriptions if r.medicine_name == "Bisoprolol")
    assert bisoprolol.status == "discontinued" and "Pulse too low" in bisoprolol.status_note
    assert bisoprolol.stop_date == dt.date(2026, 3, 15)
    # In the next month, the stopped prescription is gone; the other is still there, all in the future.
    april = build(world.ada, month=APRIL, now=mid_march)
    assert [r.medicine_name for r in april.prescriptions] == ["Amlodipine"]


def test_suspended_then_resumed_shows_withdrawn_days_and_both_events(world):
    from carebook.medication.services.prescriptions import prescription_resume, prescription_suspend

    rx = prescribe_for_month(world, MedicineFactory(name="Warfarin", high_risk=True))
    with time_machine.travel(local(dt.date(2026, 3, 5), "12:00"), tick=False):
        prescription_suspend(prescription=rx, by=world.sam, reason="INR too high")
    with time_machine.travel(local(dt.date(2026, 3, 8), "07:30"), tick=False):
        prescription_resume(prescription=rx, by=world.sam, reason="INR back in range")
    chart = build(world.ada)
    [summary] = chart.prescriptions
    row = summary.rows[0]
    assert row.cells[4].state == CellState.NOT_RECORDED  # 5 March, 08:00: before the suspension at noon
    assert [row.cells[n].state for n in (5, 6)] == [CellState.WITHDRAWN, CellState.WITHDRAWN]
    assert row.cells[7].state == CellState.NOT_RECORDED  # 8 March: resumed at 07:30, the 08:00 dose was due again
    assert summary.status == "active" and summary.status_note == ""
    assert [h.split(" on ")[0] for h in summary.history] == ["Suspended", "Resumed"]
    assert "INR too high" in summary.history[0]
    assert [f.short for f in summary.flags] == ["HR"]


def test_a_dose_in_its_window_now_is_due_and_the_key_explains_the_outline(world, ramipril):
    chart = build(world.ada, now=local(dt.date(2026, 3, 10), "08:20"))
    assert cell(chart, "Ramipril", 10).state == CellState.DUE
    assert cell(chart, "Ramipril", 9).state == CellState.NOT_RECORDED
    assert cell(chart, "Ramipril", 11).state == CellState.FUTURE
    assert any(k.symbol == "Outlined" and k.used for k in chart.key)
    assert chart.days[9].is_today


def test_superseded_version_is_shown_with_its_status_beside_the_new_one(world):
    old = prescribe_for_month(world, MedicineFactory(name="Furosemide", strength="20 mg"))
    change_at = local(dt.date(2026, 3, 10), "12:00")
    with time_machine.travel(change_at, tick=False):
        new = prescription_change(
            prescription=old,
            by=world.sam,
            data=PrescriptionInput(
                medicine_id=old.medicine_id,
                dose_min="2",
                route="oral",
                directions="Take TWO tablets each morning",
                times=["08:00"],
                prescriber="Dr A Khan",
            ),
            reason="Ankles more swollen",
        )
    chart = build(world.ada)
    versions = [r for r in chart.prescriptions if r.medicine_name == "Furosemide"]
    assert [v.status for v in versions] == ["superseded", "active"]
    assert versions[0].stop_date == dt.date(2026, 3, 10) and "Ankles more swollen" in versions[0].status_note
    assert versions[0].rows[0].cells[11].state == CellState.WITHDRAWN  # 12 March: withdrawn with the change
    assert versions[1].id == str(new.pk) and versions[1].rows[0].cells[9].state == CellState.NO_DOSE


def test_spring_forward_day_has_its_doses_in_the_right_cells(world):
    levodopa = MedicineFactory(name="Co-careldopa", strength="25 mg/100 mg", time_critical=True)
    rx = prescribe_for_month(world, levodopa, times=["01:30", "08:00"])
    day = dt.date(2026, 3, 29)
    assert dose_of(rx, day, "01:30").scheduled_at == dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC)  # 02:30 BST
    record(world, rx, day, "01:30", after=dt.timedelta(minutes=2))
    record(world, rx, day, "08:00", outcome="asleep", reason="Fast asleep, will offer again")
    chart = build(world.ada)
    assert cell(chart, "Co-careldopa", 29, "01:30").entries[0].text == "CC"
    assert cell(chart, "Co-careldopa", 29, "08:00").entries[0].text == "S"
    assert f"{cell(chart, 'Co-careldopa', 29, '01:30').scheduled_at:%H:%M %Z}" == "02:30 BST"
    assert cell(chart, "Co-careldopa", 28, "01:30").state == CellState.NOT_RECORDED
    assert "forward" in chart.days[28].clock_change and chart.days[27].clock_change == ""
    assert [r.label for r in chart.prescriptions[0].rows] == ["01:30", "08:00"]


def test_fall_back_day_has_one_cell_per_time(world):
    october = dt.date(2026, 10, 1)
    rx = prescribe_for_month(
        world,
        MedicineFactory(name="Insulin glargine", dose_unit="unit", form=Medicine.Form.INJECTION),
        month=october,
        entered_at=dt.datetime(2026, 9, 29, 12, 0, tzinfo=dt.UTC),
        times=["01:30"],
        dose_min="10",
    )
    day = dt.date(2026, 10, 25)
    assert DueDose.objects.filter(prescription=rx, local_date=day).count() == 1
    record(world, rx, day, "01:30", site="Left abdomen")
    chart = build(world.ada, month=october, now=dt.datetime(2026, 11, 2, tzinfo=dt.UTC))
    assert len(chart.days) == 31 and "back" in chart.days[24].clock_change
    slot = cell(chart, "Insulin glargine", 25, "01:30")
    assert slot.state == CellState.GIVEN and f"{slot.scheduled_at:%H:%M %Z}" == "01:30 BST"
    assert cell(chart, "Insulin glargine", 26, "01:30").state == CellState.NOT_RECORDED


def test_header_shows_who_and_allergies_not_recorded_prominently(world, ramipril, client):
    world.ada.allergy_status = AllergyStatus.NOT_RECORDED
    world.ada.gp_practice = "Elm Street Surgery"
    world.ada.save()
    chart = build(world.ada)
    assert chart.person.allergy_text == "Allergies NOT recorded"
    assert chart.person.nhs_number == "943 476 5919" and chart.person.preferred_name == "Addie"
    html = page(client, world.carla, world.ada, "2026-03").content.decode()
    assert 'data-testid="allergies-not-recorded"' in html and "Allergies NOT recorded" in html
    assert "Elm Street Surgery" in html and "Rowan" in html and "17 May 1938" in html


# --- Queries ------------------------------------------------------------------------------------


def test_query_count_does_not_grow_with_administrations(world, ramipril, paracetamol):
    morphine = MedicineFactory(name="Morphine", controlled_drug_schedule=2, dose_unit="mL")
    cd = prescribe_for_month(world, morphine, dose_min="5")

    def count() -> int:
        person = type(world.ada).objects.select_related("location", "unit").get(pk=world.ada.pk)
        with time_machine.travel(AFTER_MARCH, tick=False), CaptureQueriesContext(connection) as ctx:
            mar_chart(person, MARCH)
        return len(ctx.captured_queries)

    for n in range(1, 4):
        record(world, ramipril, dt.date(2026, 3, n))
    record(world, cd, dt.date(2026, 3, 1), witness=WitnessCredentials("sam", PASSWORD))
    give_prn(world, paracetamol, local(dt.date(2026, 3, 1), "12:00"))
    assert Administration.objects.count() == 5
    few = count()
    for n in range(4, 29):
        record(world, ramipril, dt.date(2026, 3, n), outcome="refused" if n % 5 == 0 else "given", reason="No")
        record(world, cd, dt.date(2026, 3, n), witness=WitnessCredentials("tia", PASSWORD))
    wrong = Administration.objects.filter(prescription=ramipril).first()
    administration_mark_entered_in_error(administration=wrong, by=world.sam, reason="Test")
    for n in range(2, 10):
        give_prn(world, paracetamol, local(dt.date(2026, 3, n), "12:00"))
    assert Administration.objects.count() >= 60
    assert count() == few
    assert (
        few <= 8
    )  # doses, records, staff, prescriptions, events, allergies, late doses (ADR 0021), readings (ADR 0017)


# --- JSON ------------------------------------------------------------------------------------


def test_chart_as_json_is_plain_and_complete(world, ramipril, paracetamol):
    record(world, ramipril, dt.date(2026, 3, 2), outcome="refused", reason="Not today")
    give_prn(world, paracetamol, local(dt.date(2026, 3, 2), "14:00"))
    body = mar_chart_as_json(build(world.ada))
    text = json.dumps(body)
    assert json.loads(text) == body
    assert body["month"] == "2026-03" and body["previous_month"] == "2026-02" and body["next_month"] == "2026-04"
    assert body["person"]["full_name"] == "Ada Lovelace" and len(body["days"]) == 31
    [rx] = body["prescriptions"]
    first_cell = rx["rows"][0]["cells"][1]
    assert first_cell["state"] == "not_recorded" and first_cell["entries"][0]["code"] == "R"
    assert first_cell["entries"][0]["offered_again"] and first_cell["entries"][0]["offer_again_until"]
    assert first_cell["scheduled_at"].startswith("2026-03-02T08:00:00+00:00")
    assert body["prn"][0]["prn_days"][1]["entries"][0]["prn_reason"] == "Knee pain"
    assert body["prn_entries"][0]["time_label"] == "14:00"
    assert {"symbol", "meaning", "kind", "used"} <= set(body["key"][0])
    assert body["corrections"] == [] and body["not_given"][0]["reason"] == "Not today"


# --- Month parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"), [("2026-03", MARCH), (" 2026-12 ", dt.date(2026, 12, 1)), ("", dt.date(2026, 6, 1))]
)
def test_parse_month_accepts_year_and_month(text, expected):
    with time_machine.travel(dt.datetime(2026, 6, 20, tzinfo=dt.UTC), tick=False):
        assert parse_month(text) == expected


@pytest.mark.parametrize(
    "text", ["2026-13", "2026-00", "March", "2026-3", "2026/03", "1899-01", "9999-01", "2026-03-01"]
)
def test_parse_month_refuses_anything_else(text):
    from carebook.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as err:
        parse_month(text)
    assert err.value.field == "month" and err.value.status == 422


# --- The pages ------------------------------------------------------------------------------------


def test_page_is_an_accessible_table(world, ramipril, paracetamol, client):
    response = page(client, world.carla, world.ada, "2026-03")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<div class="cb-mar-scroll" tabindex="0" role="region" aria-label="MAR chart, scrolls sideways">' in html
    grid = html[html.index('data-testid="mar-grid"') : html.index("</table>")]
    assert "<caption" in grid
    assert grid.count('<th scope="col"') == 31 + 1
    assert grid.count('<th scope="row"') == 1 and '<th scope="rowgroup"' in grid
    assert "Download PDF (A4 landscape)" in html
    assert f'href="/people/{world.ada.pk}/mar.pdf?month=2026-03"' in html
    assert "?month=2026-02" in html and "?month=2026-04" in html
    assert 'style="' not in html and "<script>" not in html  # the CSP allows neither
    assert "carebook/mar.css" in html


def test_page_defaults_to_this_month(world, ramipril, client):
    response = page(client, world.tia, world.ada, now=dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC))
    assert response.status_code == 200 and response.context["chart"].month == MARCH
    assert 'aria-current="date"' in response.content.decode()


@pytest.mark.parametrize("bad", ["2026-13", "next", "2026-02-30", "<script>"])
def test_a_bad_month_is_a_422_page_with_the_error_beside_the_field(world, client, bad):
    response = page(client, world.carla, world.ada, bad)
    html = response.content.decode()
    assert response.status_code == 422
    assert "nhsuk-error-summary" in html and 'id="month-error"' in html and "like 2026-03" in html
    assert "<script>" not in html
    pdf = page(client, world.carla, world.ada, bad, pdf=True)
    assert pdf.status_code == 422 and pdf["Content-Type"].startswith("text/html")


def test_another_locations_person_is_404_on_the_page_and_the_pdf(world, client):
    assert page(client, world.carla, world.stranger, "2026-03").status_code == 404
    assert page(client, world.otto, world.ada, "2026-03").status_code == 404
    assert page(client, world.carla, world.stranger, "2026-03", pdf=True).status_code == 404
    client.force_login(world.carla)
    assert client.get("/people/not-a-uuid/mar/").status_code == 404


def test_signed_out_is_sent_to_sign_in(world, client):
    response = client.get(reverse("medication:mar", args=[world.ada.pk]))
    assert response.status_code == 302 and "next=" in response["Location"]


def test_every_role_at_the_home_may_read_the_chart(world, ramipril, client):
    for user in (world.carla, world.sam, world.tia, world.colin, world.maria, world.pat):
        assert page(client, user, world.ada, "2026-03").status_code == 200


# --- The PDF ----------------------------------------------------------------------------------------


def _media_boxes(pdf: bytes) -> list[tuple[float, float]]:
    """Page sizes, from the raw PDF (objects may sit in compressed object streams)."""
    chunks = [pdf]
    for match in re.finditer(rb"stream\r?\n", pdf):
        start = match.end()
        end = pdf.find(b"endstream", start)
        try:
            chunks.append(zlib.decompress(pdf[start:end]))
        except zlib.error:
            continue
    boxes = []
    for chunk in chunks:
        for m in re.finditer(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", chunk):
            x0, y0, x1, y1 = (float(v) for v in m.groups())
            boxes.append((x1 - x0, y1 - y0))
    return boxes


def test_pdf_is_an_a4_landscape_attachment(world, ramipril, paracetamol, client):
    record(world, ramipril, dt.date(2026, 3, 3))
    give_prn(world, paracetamol, local(dt.date(2026, 3, 3), "10:00"))
    world.ada.family_name = "Lovelace-King"
    world.ada.save()
    response = page(client, world.carla, world.ada, "2026-03", pdf=True)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="MAR-Lovelace-King-2026-03.pdf"'
    body = response.content
    assert body.startswith(b"%PDF")
    boxes = _media_boxes(body)
    assert boxes and all(width > height for width, height in boxes)
    width, height = boxes[0]
    assert abs(width - 841.89) < 1 and abs(height - 595.28) < 1  # A4 landscape in points


def test_an_empty_month_still_makes_a_chart_page_json_and_pdf(world, client):
    chart = build(world.bert)
    assert chart.prescriptions == [] and chart.prn == [] and chart.staff == []
    assert json.loads(json.dumps(mar_chart_as_json(chart)))["prescriptions"] == []
    assert render_mar_pdf(chart).startswith(b"%PDF")
    html = page(client, world.carla, world.bert, "2026-03").content.decode()
    assert "No medicines at set times in this chart." in html


def test_pdf_filename_is_plain_ascii(world):
    from carebook.medication.pdf import pdf_filename

    world.ada.family_name = "Ó Briain-Núñez"
    assert pdf_filename(world.ada, MARCH) == "MAR-O-Briain-Nunez-2026-03.pdf"
    world.ada.family_name = '"; rm -rf'
    assert pdf_filename(world.ada, MARCH) == "MAR-rm-rf-2026-03.pdf"


def test_pdf_html_carries_the_header_footer_and_page_numbers(world, ramipril):
    from carebook.medication.pdf import render_mar_pdf_html

    record(world, ramipril, dt.date(2026, 3, 3), outcome="refused", reason="Spat it out")
    html = render_mar_pdf_html(build(world.ada))
    assert "size: A4 landscape" in html and 'counter(page) " of " counter(pages)' in html
    assert "position: running(pageheader)" in html and "Ada Lovelace" in html and "Spat it out" in html
    assert "Printed 2 Apr 2026 at 13:00" in html


# --- Speed (a measurement, not a timed test) ----------------------------------------------------------


@pytest.mark.skipif(not os.environ.get("CAREBOOK_MAR_BENCH"), reason="set CAREBOOK_MAR_BENCH=1 to measure")
def test_measure_a_31_day_chart_with_8_prescriptions(world, client):
    """About 8 prescriptions, 31 days, every dose recorded: time the selector, the HTML page and the PDF."""
    names = ["Amlodipine", "Bisoprolol", "Co-careldopa", "Donepezil", "Furosemide", "Metformin", "Omeprazole"]
    times = [
        ["08:00"],
        ["08:00"],
        ["07:00", "11:00", "15:00", "19:00"],
        ["20:00"],
        ["08:00"],
        ["08:00", "18:00"],
        ["08:00"],
    ]
    rxs = [prescribe_for_month(world, MedicineFactory(name=n), times=t) for n, t in zip(names, times, strict=True)]
    prn = prescribe_for_month(
        world,
        MedicineFactory(name="Paracetamol"),
        schedule_kind="prn",
        times=[],
        indication="Pain",
        prn_min_interval_minutes=240,
        prn_max_quantity_24h="8",
    )
    doses = list(DueDose.objects.filter(prescription__in=rxs).order_by("scheduled_at"))
    for i, dose in enumerate(doses):
        with time_machine.travel(dose.scheduled_at + dt.timedelta(minutes=4), tick=False):
            outcome = "refused" if i % 17 == 0 else "given"
            administration_record(
                by=world.carla,
                due_dose=dose,
                outcome=outcome,
                reason="Did not want it",
                prompts=all_confirmed() if outcome == "given" else person_confirmed(),
            )
    for n in range(1, 32, 2):
        give_prn(world, prn, local(dt.date(2026, 3, n), "14:00"))
    person = type(world.ada).objects.select_related("location", "unit").get(pk=world.ada.pk)

    def timed(fn, repeat):
        samples = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - t0) * 1000)
        return statistics.median(samples), max(samples)

    with time_machine.travel(AFTER_MARCH, tick=False):
        chart = mar_chart(person, MARCH)
        render_mar_pdf(chart)  # warm up (imports WeasyPrint)
        client.force_login(world.tia)
        url = reverse("medication:mar", args=[person.pk]) + "?month=2026-03"
        client.get(url)
        selector = timed(lambda: mar_chart(person, MARCH), 20)
        as_json = timed(lambda: json.dumps(mar_chart_as_json(mar_chart(person, MARCH))), 20)
        page_ms = timed(lambda: client.get(url), 10)
        pdf = timed(lambda: render_mar_pdf(mar_chart(person, MARCH)), 3)
    cells = sum(len(r.cells) for rx in chart.prescriptions for r in rx.rows)
    print(
        f"\nMAR bench ({connection.vendor}): {len(doses)} doses, {cells} cells, "
        f"{Administration.objects.count()} administrations\n"
        f"  selector  median {selector[0]:.1f} ms  max {selector[1]:.1f} ms\n"
        f"  JSON      median {as_json[0]:.1f} ms  max {as_json[1]:.1f} ms\n"
        f"  HTML page median {page_ms[0]:.1f} ms  max {page_ms[1]:.1f} ms\n"
        f"  PDF       median {pdf[0]:.1f} ms  max {pdf[1]:.1f} ms"
    )
