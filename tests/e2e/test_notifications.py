"""Sam's notifications: an overdue dose raises an alert, the notifier tells him; the header says how many are
unread, the page lists them (newest first, unread marked, each linking to its alert), and he marks them read.
Every page is checked by axe-core at 768 px and 360 px.

The live server runs on the real clock, so the times are made around it.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from playwright.sync_api import expect

from carebook.alerts.notify import notify_alerts
from carebook.alerts.services import alerts_scan
from carebook.core import clock
from carebook.testing.factories import MedicineFactory, prescribe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sam_sees_his_notifications_opens_one_and_marks_them_read(ui, world):
    now = clock.local_now().replace(second=0, microsecond=0)
    due = (now - dt.timedelta(hours=2)).strftime("%H:%M")
    with time_machine.travel(clock.now() - dt.timedelta(hours=6), tick=True):
        for name in ("Ramipril", "Bisoprolol"):
            prescribe(world.ada, MedicineFactory(name=name), by=world.sam, checker=world.tia, times=[due])
    assert len(alerts_scan().raised) == 2
    assert notify_alerts() == 6  # Sam, Tia and Colin, of each alert

    ui.sign_in("sam")
    ui.check()
    nav = ui.page.get_by_test_id("nav-notifications")
    expect(nav).to_contain_text("2")
    nav.click()
    ui.check()
    expect(ui.page.get_by_role("heading", level=1)).to_have_text("Your notifications")
    items = ui.page.get_by_test_id("notification")
    expect(items).to_have_count(2)
    expect(ui.page.get_by_test_id("unread")).to_have_count(2)

    # He marks one as read.
    items.first.get_by_role("button", name="Mark as read").click()
    ui.check()
    expect(ui.page.get_by_role("status")).to_contain_text("Marked as read")
    expect(ui.page.get_by_test_id("unread")).to_have_count(1)
    expect(ui.page.get_by_test_id("nav-notifications")).to_contain_text("1")

    # Each links to its alert.
    items.first.get_by_role("link").click()
    ui.check()
    expect(ui.page.get_by_role("heading", level=1)).to_contain_text(
        re.compile(r"(Overdue|Missed) dose")
    )  # by the clock of the day

    # Back on the list, he marks them all as read.
    ui.goto("/notifications/")
    ui.page.get_by_role("button", name="Mark all as read").click()
    ui.check()
    expect(ui.page.get_by_test_id("unread")).to_have_count(0)
    expect(ui.page.get_by_test_id("unread-summary")).to_have_text(
        "Nothing unread. The newest 200 are listed, newest first. Each links to the page it is about."
    )
