""" "Audits completed on time" on hand-made audits, where the answer is known: counted by due day, on time when
signed by the end of it (the home's date), a period still within its time not counted, the figure's records the
same slots, and the dashboard, the API and the CSV the one function's answer."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from carebook.audits import services
from carebook.audits.figures import audits_on_time, audits_on_time_records
from carebook.audits.models import AuditQuestion
from carebook.audits.services import AnswerInput
from carebook.audits.tests.conftest import NOW
from carebook.core.clock import local_wall_time
from carebook.reports.figures import FIGURES
from carebook.reports.rules import Period

pytestmark = pytest.mark.usefixtures("templates")
D = dt.date


def do_daily(world, templates, day: dt.date, signed_at: dt.datetime | None):
    with time_machine.travel(local_wall_time(day, dt.time(20, 0)), tick=False):
        audit = services.audit_start(by=world.tia, location_id=world.home.pk, template=templates["daily"], day=day)
        given = {"yes_no": "yes", "number": "0", "text": "None"}
        services.audit_answers_record(
            audit=audit,
            by=world.tia,
            answers=[
                AnswerInput(q.pk, given[q.answer_type]) for q in AuditQuestion.objects.filter(version=audit.version)
            ],
        )
    if signed_at is not None:
        with time_machine.travel(signed_at, tick=False):
            services.audit_sign(audit=audit, by=world.tia)
    return audit


def test_the_figure_counts_by_due_day_and_on_time_by_the_homes_date(world, templates):
    # Daily audits of 1 to 7 June are due 2 to 8 June. The week asked: due days 2 to 8 June.
    do_daily(world, templates, D(2026, 6, 1), local_wall_time(D(2026, 6, 1), dt.time(21, 0)))  # on time
    do_daily(world, templates, D(2026, 6, 2), local_wall_time(D(2026, 6, 3), dt.time(23, 59)))  # last minute: on time
    do_daily(world, templates, D(2026, 6, 3), local_wall_time(D(2026, 6, 5), dt.time(0, 1)))  # late
    do_daily(world, templates, D(2026, 6, 4), None)  # started, never signed: overdue
    # 5, 6, 7 June: never started (overdue). The weekly audit of 25 to 31 May, due 3 June, was never done either;
    # May's monthly review is not due (its month began before the templates did), June's is due in July.
    p = Period(D(2026, 6, 2), D(2026, 6, 9))
    value = audits_on_time([world.home.pk], p, NOW)
    assert (value.numerator, value.denominator, value.value) == (2, 8, 25.0)
    records = audits_on_time_records([world.home.pk], p, NOW)
    assert [r.counted for r in records] == [
        "Completed on time",
        "Completed on time",
        "Overdue",
        "Completed late",
        "Overdue",
        "Overdue",
        "Overdue",
        "Overdue",
    ]
    assert FIGURES["audits_on_time"].compute([world.home.pk], p, NOW) == value


def test_a_period_still_within_its_time_is_not_counted_yet_and_no_audit_due_is_none(world, templates):
    # Today is 10 June: the audit of 9 June is due today (not counted unless signed), 10 June's tomorrow.
    p = Period(D(2026, 6, 10), D(2026, 6, 12))
    assert audits_on_time([world.home.pk], p, NOW).denominator == 0
    assert audits_on_time([world.home.pk], p, NOW).value is None
    do_daily(world, templates, D(2026, 6, 9), NOW)
    value = audits_on_time([world.home.pk], p, NOW)
    assert (value.numerator, value.denominator) == (1, 1)
    assert audits_on_time([world.elsewhere.pk], p, NOW).denominator == 0  # no templates there: nothing due


def test_the_dashboard_and_the_api_show_the_one_figure(client, world, templates):
    from carebook.medication.api.testing import api_as

    do_daily(world, templates, D(2026, 6, 1), local_wall_time(D(2026, 6, 1), dt.time(21, 0)))
    client.force_login(world.maria)
    with time_machine.travel(NOW, tick=False):
        body = (
            api_as(world.maria)
            .get("/reports/kpis", {"location": world.home.pk, "from": "2026-06-02", "to": "2026-06-08"})
            .json()
        )
        page = client.get(f"/reports/locations/{world.home.pk}/?from=2026-06-02&to=2026-06-08")
        csv = client.get(f"/reports/locations/{world.home.pk}/figures.csv?from=2026-06-02&to=2026-06-08")
    figure = next(f for f in body["figures"] if f["key"] == "audits_on_time")
    assert (figure["chosen"]["numerator"], figure["chosen"]["denominator"]) == (1, 8)
    assert "Audits completed on time" in page.content.decode() and page.status_code == 200
    assert "audits_on_time" in csv.content.decode() or "Audits completed on time" in csv.content.decode()
