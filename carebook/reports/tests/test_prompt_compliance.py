"""The prompts shown are stored (ADR 0030), and the compliance figures computed from them on hand-made data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carebook.core.clock import LONDON
from carebook.medication import rules
from carebook.medication.models import DueDose, Prescription, PromptShowing
from carebook.medication.rules.compliance import DEFINITIONS, Figures, compliance_rate
from carebook.medication.services.administrations import administration_mark_entered_in_error, administration_record
from carebook.medication.services.showings import prompt_showing_open
from carebook.reports.compliance import prompt_compliance, records_without_full_prompts
from carebook.testing.factories import MedicineFactory, PersonFactory, prescribe

DAY = dt.date(2026, 6, 10)
SEVEN = len(rules.prompts_for(""))


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON).astimezone(dt.UTC)


def dose_of(rx, day: dt.date = DAY) -> DueDose:
    return DueDose.objects.get(prescription=rx, local_date=day, local_time=dt.time(8, 0))


def confirmed(check: str = "") -> list[rules.Answer]:
    return [
        rules.Answer(p, "confirmed", Decimal("72") if p in rules.READING_PROMPTS else None)
        for p in rules.prompts_for(check)
    ]


def page_answers(**overrides: str) -> dict[str, str]:
    data = {f"prompt_{p}": "confirmed" for p in rules.prompts_for("")}
    data.update(overrides)
    return data


@pytest.fixture
def ramipril(world):
    with time_machine.travel(at(9, day=DAY - dt.timedelta(days=1)), tick=False):
        return prescribe(world.ada, MedicineFactory(name="Ramipril"), by=world.sam, checker=world.tia)


@pytest.fixture
def digoxin(world):
    with time_machine.travel(at(9, day=DAY - dt.timedelta(days=1)), tick=False):
        return prescribe(
            world.bert, MedicineFactory(name="Digoxin", required_check="pulse"), by=world.sam, checker=world.tia
        )


def report(world, group_by: str = "staff", **kwargs):
    return prompt_compliance(
        location_id=world.home.pk, start=DAY, end=DAY + dt.timedelta(days=1), group_by=group_by, **kwargs
    )


# --- What is stored ---------------------------------------------------------------------------


@time_machine.travel(at(8, 5), tick=False)
def test_a_completed_walk_is_one_showing_linked_to_its_record(client, world, ramipril):
    client.force_login(world.carla)
    url = reverse("medication:record_dose", args=[dose_of(ramipril).pk])
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200  # looked at again: the same walk
    showing = PromptShowing.objects.get()
    assert (showing.user, showing.person, showing.prompt_count) == (world.carla, world.ada, SEVEN)
    assert showing.prompt_list == list(rules.prompts_for("")) and showing.administration is None
    assert showing.shown_at == at(8, 5) and showing.unit == world.rowan
    response = client.post(url, page_answers(outcome="given"))
    assert response.status_code == 302
    showing.refresh_from_db()
    assert showing.administration is not None and showing.administration.due_dose == dose_of(ramipril)
    assert PromptShowing.objects.count() == 1
    figures = report(world).total
    assert figures == Figures(walks=1, shown=SEVEN, confirmed=SEVEN)
    assert figures.unanswered == 0 and figures.rate == Decimal("100.0")


@time_machine.travel(at(8, 5), tick=False)
def test_a_walk_stopped_at_a_failure_counts_the_prompts_after_it_as_unanswered(client, world, ramipril):
    client.force_login(world.carla)
    url = reverse("medication:record_dose", args=[dose_of(ramipril).pk])
    client.get(url)
    data = {
        "prompt_right_person": "confirmed",
        "prompt_right_medicine": "failed",
        "outcome": "refused_final",
        "reason": "The label does not match the chart",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert PromptShowing.objects.get().administration is not None
    figures = report(world).total
    assert (figures.shown, figures.confirmed, figures.failed, figures.skipped) == (SEVEN, 1, 1, 0)
    assert figures.unanswered == SEVEN - 2
    assert figures.without_full_prompts == 0  # a failed check stopping the dose is the check working
    assert figures.rate == compliance_rate(confirmed=1, shown=SEVEN)


def test_an_abandoned_walk_counts_every_prompt_shown_and_a_later_look_starts_a_new_walk(client, world, ramipril):
    client.force_login(world.carla)
    url = reverse("medication:record_dose", args=[dose_of(ramipril).pk])
    with time_machine.travel(at(8, 5), tick=False):
        client.get(url)
    with time_machine.travel(at(10, 6), tick=False):  # more than two hours later: that walk was abandoned
        client.get(url)
    assert PromptShowing.objects.filter(administration__isnull=True).count() == 2
    figures = report(world).total
    assert figures == Figures(walks=2, shown=2 * SEVEN, abandoned=2)
    assert figures.unanswered == 2 * SEVEN and figures.rate == Decimal("0.0")


@time_machine.travel(at(8, 5), tick=False)
def test_a_when_required_page_stores_its_showing_too(client, world):
    from carebook.testing.factories import prescribe_paracetamol_prn

    rx = prescribe_paracetamol_prn(world.ada, by=world.sam, checker=world.tia)
    client.force_login(world.carla)
    client.get(reverse("medication:give_prn", args=[rx.pk]))
    showing = PromptShowing.objects.get()
    assert showing.due_dose is None and showing.prescription == rx


@time_machine.travel(at(8, 5), tick=False)
def test_a_dose_recorded_without_the_page_writes_its_own_showing(world, ramipril):
    result = administration_record(by=world.carla, due_dose=dose_of(ramipril), outcome="given", prompts=confirmed())
    showing = PromptShowing.objects.get()
    assert showing.administration == result.administration and showing.source == PromptShowing.Source.RECORDED


@time_machine.travel(at(8, 5), tick=False)
def test_showing_the_page_costs_one_statement_once_its_walk_is_open(world, ramipril):
    dose = dose_of(ramipril)
    rx = Prescription.objects.select_related("medicine").get(pk=ramipril.pk)  # as the page has it
    with CaptureQueriesContext(connection) as first:
        assert prompt_showing_open(user=world.carla, prescription=rx, person=world.ada, due_dose=dose)
    with CaptureQueriesContext(connection) as again:
        assert prompt_showing_open(user=world.carla, prescription=rx, person=world.ada, due_dose=dose) is None
    # savepoint, look-up, showing, audit event, release; then savepoint, look-up, release
    assert len(first.captured_queries) == 5, "\n".join(q["sql"][:70] for q in first.captured_queries)
    assert len(again.captured_queries) == 3, [q["sql"][:80] for q in again.captured_queries]


# --- The figures ----------------------------------------------------------------------------


@time_machine.travel(at(8, 5), tick=False)
def test_figures_on_hand_made_data_by_staff_and_unit_with_entered_in_error_excluded(world, ramipril, digoxin):
    # Carla: Ada's ramipril, all confirmed. Sam: Bert's digoxin, the pulse skipped (a record without its full
    # prompts). Carla again: a record later marked entered in error (excluded), and a walk left open.
    administration_record(by=world.carla, due_dose=dose_of(ramipril), outcome="given", prompts=confirmed())
    skipped = [*confirmed()[:SEVEN], rules.Answer("pulse", "skipped", note="He was asleep, no pulse taken")]
    administration_record(by=world.sam, due_dose=dose_of(digoxin), outcome="given", prompts=skipped)
    tomorrow = dose_of(ramipril, DAY + dt.timedelta(days=1))
    amlodipine = prescribe(world.ada, MedicineFactory(name="Amlodipine"), by=world.sam, checker=world.tia)
    wrong = administration_record(by=world.carla, due_dose=dose_of(amlodipine), outcome="given", prompts=confirmed())
    administration_mark_entered_in_error(administration=wrong.administration, by=world.carla, reason="Wrong day")
    prompt_showing_open(user=world.carla, prescription=ramipril, person=world.ada, due_dose=tomorrow)

    by_staff = {row.label: row.figures for row in report(world).rows}
    assert by_staff["Carla Carer"] == Figures(walks=2, shown=2 * SEVEN, confirmed=SEVEN, abandoned=1)
    assert by_staff["Sam Senior"] == Figures(
        walks=1, shown=SEVEN + 1, confirmed=SEVEN, skipped=1, without_full_prompts=1
    )
    by_unit = {row.label: row.figures for row in report(world, "unit").rows}
    assert set(by_unit) == {"Rowan", "Willow"}
    assert by_unit["Willow"].rate == compliance_rate(confirmed=SEVEN, shown=SEVEN + 1)
    assert report(world, staff_id=world.sam.pk).total == by_staff["Sam Senior"]
    assert report(world, unit_id=world.rowan.pk).total == by_staff["Carla Carer"]
    behind = records_without_full_prompts(location_id=world.home.pk, start=DAY, end=DAY + dt.timedelta(days=1))
    assert [s.person for s in behind] == [world.bert]


def test_weeks_and_months_are_local_and_the_period_is_half_open(world, ramipril):
    # 31 May 2026 (Sunday) and 1 June (Monday): two weeks, two months; 3 June is outside [31 May, 3 June).
    for day in (dt.date(2026, 5, 31), dt.date(2026, 6, 1), dt.date(2026, 6, 3)):
        with time_machine.travel(at(0, 30, day=day), tick=False):  # 00:30 BST is the evening before in UTC
            prompt_showing_open(user=world.carla, prescription=ramipril, person=world.ada, due_dose=None)
    weeks = prompt_compliance(
        location_id=world.home.pk, start=dt.date(2026, 5, 31), end=dt.date(2026, 6, 3), group_by="week"
    )
    assert [(r.key, r.figures.walks) for r in weeks.rows] == [("2026-05-25", 1), ("2026-06-01", 1)]
    assert weeks.rows[0].label == "Week of 25 May 2026"
    months = prompt_compliance(
        location_id=world.home.pk, start=dt.date(2026, 5, 31), end=dt.date(2026, 6, 3), group_by="month"
    )
    assert [(r.label, r.figures.walks) for r in months.rows] == [("May 2026", 1), ("June 2026", 1)]


def test_no_walks_no_rows_no_rate(world):
    empty = report(world)
    assert empty.rows == [] and empty.total == Figures() and empty.total.rate is None


@pytest.mark.parametrize("people", [2, 10])
def test_the_figures_cost_the_same_queries_whatever_the_number_of_people(world, people):
    # The built days (none yet), the three aggregates of the days read from the records, and the names of the
    # staff or units: never one more for another person, record or day.
    with time_machine.travel(at(9, day=DAY - dt.timedelta(days=1)), tick=False):
        rxs = [
            prescribe(
                PersonFactory(location=world.home, unit=world.rowan), MedicineFactory(), by=world.sam, checker=world.tia
            )
            for _ in range(people)
        ]
    with time_machine.travel(at(8, 5), tick=False):
        for rx in rxs:
            administration_record(by=world.carla, due_dose=dose_of(rx), outcome="given", prompts=confirmed())
    for group_by in ("staff", "unit", "week", "month"):
        with CaptureQueriesContext(connection) as ctx:
            result = report(world, group_by)
        assert len(ctx.captured_queries) == (5 if group_by in ("staff", "unit") else 4), group_by
        assert result.total.walks == people and result.total.confirmed == people * SEVEN


def test_every_figure_has_one_definition():
    assert set(DEFINITIONS) >= {"shown", "confirmed", "failed", "skipped", "unanswered", "without_full_prompts", "rate"}


# --- The API ------------------------------------------------------------------------------------


@time_machine.travel(at(8, 5), tick=False)
def test_the_api_answers_the_same_figures_with_their_definitions(world, ramipril):
    from carebook.medication.api.testing import api_as

    administration_record(by=world.carla, due_dose=dose_of(ramipril), outcome="given", prompts=confirmed())
    params = {"location": str(world.home.pk), "from": "2026-06-10", "to": "2026-06-11", "group_by": "unit"}
    response = api_as(world.tia).get("/reports/prompt-compliance", params)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["total"]["shown"] == SEVEN and body["total"]["confirmed"] == SEVEN
    assert [g["label"] for g in body["groups"]] == ["Rowan"]
    assert body["definitions"] == DEFINITIONS


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"from": "10/06/2026"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"to": "2026-06-10"}, "to"),  # ends where it starts
        ({"to": "2027-08-01"}, "to"),  # longer than a year
        ({"group_by": "person"}, "group_by"),
    ],
)
def test_the_api_refuses_bad_periods_and_groupings_with_the_field(world, change, field):
    from carebook.medication.api.testing import api_as

    params = {"location": str(world.home.pk), "from": "2026-06-10", "to": "2026-06-11", **change}
    response = api_as(world.maria).get("/reports/prompt-compliance", params)
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field


# --- The page -----------------------------------------------------------------------------------


def page_url(world, query: str = "") -> str:
    return reverse("reports:location_compliance", args=[world.home.pk]) + query


@pytest.mark.parametrize(
    ("persona", "status"),
    [("carla", 403), ("sam", 403), ("tia", 200), ("colin", 200), ("maria", 200), ("pat", 403), ("otto", 404)],
)
def test_who_sees_the_page(client, world, persona, status):
    client.force_login(getattr(world, persona))
    assert client.get(page_url(world)).status_code == status


@time_machine.travel(at(8, 5), tick=False)
def test_the_page_shows_the_tables_the_definitions_and_the_records_behind(client, world, ramipril, digoxin):
    administration_record(by=world.carla, due_dose=dose_of(ramipril), outcome="given", prompts=confirmed())
    skipped = [*confirmed()[:SEVEN], rules.Answer("pulse", "skipped", note="Asleep")]
    administration_record(by=world.sam, due_dose=dose_of(digoxin), outcome="given", prompts=skipped)
    client.force_login(world.tia)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(page_url(world, "?from=2026-06-10&to=2026-06-10"))
    queries = len(ctx.captured_queries)  # read now: the next request empties the log
    assert response.status_code == 200
    html = response.content.decode()
    for key in ("staff", "unit", "week"):
        assert f'data-testid="table-{key}"' in html
    assert "Carla Carer" in html and "Sam Senior" in html and "Willow" in html and "Week of 8 Jun 2026" in html
    assert DEFINITIONS["rate"] in html
    behind = html.split('<h2 id="behind"')[1]
    assert "Bert Jones" in behind, behind[:600]  # the skipped pulse
    only_carla = client.get(page_url(world, f"?from=2026-06-10&to=2026-06-10&staff={world.carla.pk}"))
    assert "Bert Jones" not in only_carla.content.decode().split('<h2 id="behind"')[1]
    # Ten more people recorded: the same number of queries.
    with time_machine.travel(at(9, day=DAY - dt.timedelta(days=1)), tick=False):
        more = [
            prescribe(
                PersonFactory(location=world.home, unit=world.willow),
                MedicineFactory(),
                by=world.sam,
                checker=world.tia,
            )
            for _ in range(10)
        ]
    for rx in more:
        administration_record(by=world.carla, due_dose=dose_of(rx), outcome="given", prompts=confirmed())
    with CaptureQueriesContext(connection) as again:
        client.get(page_url(world, "?from=2026-06-10&to=2026-06-10"))
    assert len(again.captured_queries) == queries


@pytest.mark.parametrize(
    "query", ["?from=nonsense", "?from=2026-06-10&to=2026-06-01", "?from=2025-01-01&to=2026-06-01"]
)
def test_a_bad_period_is_a_form_error_not_a_500(client, world, query):
    client.force_login(world.maria)
    response = client.get(page_url(world, query))
    assert response.status_code == 422
    assert 'data-testid="error-summary"' in response.content.decode()
