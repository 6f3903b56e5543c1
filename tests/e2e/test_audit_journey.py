"""Tia's daily medicines audit, as a team leader does it at the end of the day: her home page says it is due; she
starts it from there, answers every question with the evidence beside each, finds a gap on the MAR and records it
with a supervision for Carla, and signs. Then Maria (registered manager) opens the audits, sees it signed on time
with its open action, and completes the action for Carla. Every page is checked by axe-core at 768 and 360 px.

The live server runs on the real clock: the templates start a few days ago, so some audits are overdue too.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from carebook.audits.models import Audit
from carebook.audits.services import templates_install_shipped
from carebook.core import clock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Taps:
    """Counts what Tia taps, clicks or types into: the cost of the journey to a care home's busiest people."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, locator):  # a click or a fill is one tap
        self.n += 1
        return locator


def test_a_team_leader_does_the_daily_audit_with_a_finding_and_the_manager_sees_it(ui, world):
    today = clock.local_now().date()
    templates_install_shipped(provider_id=world.provider.pk, starts_on=today - dt.timedelta(days=3))
    taps = Taps()
    page = ui.page

    ui.sign_in("tia")
    ui.check()
    panel = page.get_by_test_id("home-audits")
    expect(panel).to_contain_text("Overdue")  # the daily audits of 3 and 2 days ago were never done
    taps(panel.get_by_role("link", name=f"Daily medicines audit, {today:%a} {today.day} {today:%b}")).click()
    ui.check()
    slot = page.get_by_test_id(f"slot-daily-{today.isoformat()}")
    expect(slot.get_by_test_id("slot-state")).to_have_text("Due")
    taps(slot.get_by_test_id("start-audit")).click()
    ui.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Daily medicines audit")
    expect(page.get_by_test_id("evidence-1")).to_contain_text("The records")

    # Every question: "no" to the first (a gap on the MAR), "yes" to the others, a count and a note.
    questions = page.get_by_test_id("questions").locator("> li")
    count = questions.count()
    for n in range(1, count + 1):
        question = page.get_by_test_id(f"question-{n}")
        if question.get_by_label("Number").count():
            taps(question.get_by_label("Number")).fill("1")
        elif question.get_by_label("Answer", exact=True).count():
            taps(question.get_by_label("Answer", exact=True)).fill("Fridge 4°C all day")
        else:
            taps(question.get_by_label("No" if n == 1 else "Yes", exact=True)).check()
    taps(page.get_by_test_id("save-answers")).click()
    ui.check()
    expect(page.get_by_test_id("sign-problems")).to_contain_text("Question 1 was answered no")

    # The gap, with a supervision for Carla (due in a week by default).
    form = page.get_by_test_id("finding-form")
    taps(form.get_by_label("What the audit found")).fill("Ada's 13:00 paracetamol has no record on the MAR")
    taps(form.get_by_label("About")).select_option(index=1)
    taps(form.get_by_label("Set a corrective action")).check()
    taps(form.get_by_label("Kind of action")).select_option("supervision")
    taps(form.get_by_label("What is to be done")).fill("Watch Carla's lunchtime round and check each record")
    taps(form.get_by_label("Who owns it")).select_option(label="Carla Carer (Care worker)")
    taps(page.get_by_test_id("add-finding")).click()
    ui.check()
    expect(page.get_by_test_id("finding")).to_contain_text("Owner: Carla Carer")
    expect(page.get_by_test_id("sign-problems")).to_have_count(0)

    taps(page.get_by_test_id("sign-audit")).click()
    ui.check()
    expect(page.get_by_test_id("audit-status")).to_contain_text("Signed by Tia Leader")
    expect(page.get_by_test_id("answers-form")).to_have_count(0)  # signed: nothing on it changes
    # From her home page to signed: the taps a daily audit of ten questions costs.
    assert taps.n == 2 + count + 1 + 6 + 1 + 1 == 21, taps.n
    audit = Audit.objects.get(period_start=today)
    assert (audit.signed_by_id, audit.status) == (world.tia.pk, "signed")

    # Maria sees it done on time, and the action open.
    ui.sign_out()
    ui.check()
    ui.sign_in("maria")
    ui.check()
    page.get_by_test_id("nav-audits").click()  # one location: its audits
    ui.check()
    expect(page.get_by_test_id("audits-done")).to_contain_text("Completed on time")
    expect(page.get_by_test_id("audits-overdue")).to_contain_text("2 audits overdue")  # 3 and 2 days ago
    page.get_by_test_id("audits-done").get_by_role("link").first.click()
    ui.check()
    expect(page.get_by_test_id("action-state")).to_have_text("Open")
    complete = page.get_by_test_id("complete-form")
    complete.get_by_role("textbox").fill("Watched the round on Tuesday: every dose recorded at the time")
    complete.get_by_role("button", name="Complete").click()
    ui.check()
    expect(page.get_by_test_id("action-state")).to_contain_text("Completed")

    # On the home's figures, the two audits overdue count against "audits completed on time"; from there she asks
    # for an evidence pack of these days with Ada's MAR chart, and downloads it when it is ready.
    first = today - dt.timedelta(days=3)
    ui.goto(f"/reports/locations/{world.home.pk}/?from={first.isoformat()}&to={today.isoformat()}")
    expect(page.get_by_test_id("value-audits_on_time-1")).to_contain_text("0 of 2")
    page.get_by_test_id("evidence-link").click()
    ui.check()
    form = page.get_by_test_id("pack-form")
    form.get_by_label("First day").fill(first.isoformat())
    form.get_by_label("Last day").fill(today.isoformat())
    form.get_by_text("MAR charts to include").click()
    form.get_by_label("Lovelace, Ada").check()
    page.get_by_test_id("build-pack").click()
    ui.check()
    expect(page.get_by_role("status")).to_contain_text("being built")
    expect(page.get_by_test_id("pack-state")).to_contain_text("Ready", timeout=60_000)  # polled until built
    ui.check()
    with page.expect_download() as pdf:
        page.get_by_test_id("pack-pdf").click()
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")
    with page.expect_download() as archive:
        page.get_by_test_id("pack-zip").click()
    with zipfile.ZipFile(archive.value.path()) as files:
        assert "Watch Carla's lunchtime round" in files.read("corrective_actions.csv").decode()
        assert any(n.startswith("mar/MAR-Lovelace-" + today.strftime("%Y-%m")) for n in files.namelist())
