"""The figures as the API, the dashboard and the CSV show them: one set of functions, the same numbers; bad periods
refused with their field (422); the chart drawn on the server with its table; docs/figures.md is the definitions."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
import time_machine
from django.test import Client

from carebook.medication.api.testing import api_as
from carebook.reports import figures
from carebook.reports.docs import figures_markdown
from carebook.reports.tests.test_figures import LATER, SIX_DAYS, june  # noqa: F401 (a fixture)

QUERY = "from=2026-06-01&to=2026-06-06"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-13-01", "from"),
        ("from=2026-06-01&to=yesterday", "to"),
        ("from=2026-06-10&to=2026-06-01", "to"),
        ("from=2025-01-01&to=2026-06-01", "from"),
        ("baseline_from=2026-01-01", "baseline_to"),
        ("baseline_from=2026-01-10&baseline_to=2026-01-01", "baseline_to"),
    ],
)
def test_a_bad_period_is_422_with_its_field(world, query, field):
    with time_machine.travel(LATER, tick=False):
        response = api_as(world.maria).get(f"/reports/kpis?location={world.home.pk}&{query}")
        assert response.status_code == 422, response.content
        assert response.json()["field"] == field
        browser = Client()
        browser.force_login(world.maria)
        page = browser.get(f"/reports/locations/{world.home.pk}/?{query}")
    assert page.status_code == 422
    assert b"There is a problem" in page.content


def test_the_api_answers_the_figures_with_their_definitions_and_the_other_periods(world, june):  # noqa: F811
    with time_machine.travel(LATER, tick=False):
        body = api_as(world.maria).get(f"/reports/kpis?location={world.home.pk}&{QUERY}").json()
    assert body["period"] == {"from": "2026-06-01", "to": "2026-06-06"}
    assert body["previous_period"] == {"from": "2026-05-26", "to": "2026-05-31"}
    assert body["baseline_period"] == {"from": "2026-05-20", "to": "2026-05-25"}
    by_key = {f["key"]: f for f in body["figures"]}
    assert list(by_key) == list(figures.FIGURES)
    on_time = by_key["on_time_rate"]
    assert (on_time["chosen"]["numerator"], on_time["chosen"]["denominator"]) == (2, 6)
    assert on_time["previous"]["value"] is None and on_time["vs_previous"] == "unknown"
    assert on_time["counts"] == figures.ON_TIME.counts and on_time["excluded"] == figures.ON_TIME.excluded
    assert by_key["omissions"]["chosen"]["value"] == 2
    assert by_key["omissions"]["vs_previous"] == "worse"  # none before
    assert by_key["refusals"]["chosen"]["value"] == 1


def test_the_dashboard_the_csv_and_the_api_agree(world, june):  # noqa: F811
    with time_machine.travel(LATER, tick=False):
        api = api_as(world.tia).get(f"/reports/kpis?{QUERY}").json()
        browser = Client()
        browser.force_login(world.tia)
        page = browser.get(f"/reports/locations/{world.home.pk}/?{QUERY}").content.decode()
        drill = browser.get(f"/reports/locations/{world.home.pk}/figures/omissions/?{QUERY}").content.decode()
        rows = list(csv.DictReader(io.StringIO(browser.get(f"/reports/figures.csv?{QUERY}").content.decode())))
    assert 'data-testid="value-on_time_rate-1">33.3%' in page
    assert '<svg class="cb-chart"' in page and '<title id="chart-on_time_rate-title">' in page
    assert 'data-testid="weeks-on_time_rate"' in page and '<th scope="row">' in page
    assert figures.ON_TIME.excluded in page
    assert '<th scope="row">Moderate harm</th><td>0</td>' in page  # the parts in words, none left out
    assert drill.count('data-testid="record-row"') == 2
    assert f'href="/people/{world.ada.pk}/mar/?month=2026-06"' in drill  # each record opens its MAR month
    csv_values = {row["figure"]: row["value"] for row in rows}
    for figure in api["figures"]:
        value = figure["chosen"]["value"]
        assert csv_values[figure["key"]] == ("" if value is None else f"{value:g}"), figure["key"]
    assert csv_values["incidents.by_harm.none"] == "0"


def test_a_chart_escapes_its_words_and_marks_a_week_without_a_value():
    from carebook.reports.chart import trend_svg
    from carebook.reports.rules import Unit, WeekValue

    svg = trend_svg(chart_id="c", title="<script>", weeks=[WeekValue(dt.date(2026, 6, 1), None)], unit=Unit.PERCENT)
    assert "<script>" not in svg and "&lt;script&gt;" in svg and ">none</text>" in svg


def test_docs_figures_md_is_the_definitions():
    written = (Path(__file__).resolve().parents[3] / "docs" / "figures.md").read_text()
    assert written == figures_markdown(), "regenerate: python -m carebook.reports.docs > docs/figures.md"


def test_the_header_links_to_the_figures_only_for_those_who_may_read_them(world):
    for user, shown in ((world.maria, True), (world.tia, True), (world.carla, False), (world.pat, False)):
        browser = Client()
        browser.force_login(user)
        assert (b'data-testid="nav-reports"' in browser.get("/").content) == shown, user.username


def test_a_chosen_baseline_is_used_and_compared(world, june):  # noqa: F811
    with time_machine.travel(LATER, tick=False):
        body = (
            api_as(world.maria)
            .get(
                f"/reports/kpis?location={world.home.pk}&from=2026-06-04&to=2026-06-06"
                "&baseline_from=2026-06-01&baseline_to=2026-06-03"
            )
            .json()
        )
    assert body["baseline_period"] == {"from": "2026-06-01", "to": "2026-06-03"}
    on_time = {f["key"]: f for f in body["figures"]}["on_time_rate"]
    # The 4th to the 6th: the 4th's correction on time, the 5th never recorded, the 6th asleep (1 of 3);
    # the 1st to the 3rd: on time, outside its window, refused (1 of 3).
    assert (on_time["chosen"]["numerator"], on_time["chosen"]["denominator"]) == (1, 3)
    assert (on_time["baseline"]["numerator"], on_time["baseline"]["denominator"]) == (1, 3)
    assert on_time["vs_baseline"] == "same"
    omissions = {f["key"]: f for f in body["figures"]}["omissions"]
    assert (omissions["chosen"]["value"], omissions["baseline"]["value"], omissions["vs_baseline"]) == (2, 0, "worse")
