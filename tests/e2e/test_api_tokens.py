"""Personal API tokens in the browser: made and shown once, listed, revoked after a confirmation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_carla_makes_an_api_token_and_revokes_it(ui, world):
    # Given Carla is signed in
    ui.sign_in("carla")
    ui.check()

    # When she follows "Your API tokens" at the foot of the page and makes a token
    ui.page.get_by_role("link", name="Your API tokens").click()
    ui.check()
    expect(ui.page.get_by_role("heading", level=1)).to_have_text("Your API tokens")
    ui.page.get_by_role("button", name="Make a new API token").click()
    ui.check()

    # Then the token is shown once, to copy, and listed as active with its expiry
    token = ui.page.get_by_label("Your new API token")
    expect(token).to_have_value(re.compile(r"^cb_"))
    expect(ui.page.get_by_test_id("api-tokens")).to_contain_text("Active")

    # When she revokes it, after the confirmation page
    ui.page.get_by_role("link", name="Revoke").click()
    ui.check()
    expect(ui.page.get_by_role("heading", level=1)).to_contain_text("Revoke API token")
    ui.page.get_by_role("button", name="Revoke this token").click()
    ui.check()

    # Then it is listed as revoked, by her, and no token is shown any more
    expect(ui.page.get_by_role("status")).to_contain_text("no longer works")
    expect(ui.page.get_by_test_id("api-tokens")).to_contain_text("Revoked")
    expect(ui.page.get_by_label("Your new API token")).to_have_count(0)


def test_pat_sees_her_staffs_tokens(ui, world):
    from carebook.access.services import api_token_create

    api_token_create(user=world.carla)
    api_token_create(user=world.sam)

    ui.sign_in("pat")
    ui.check()
    ui.goto("/account/api-tokens/")
    ui.page.get_by_role("link", name="API tokens of all your staff").click()
    ui.check()

    table = ui.page.get_by_test_id("api-tokens")
    expect(table).to_contain_text("Carla Carer (carla)")
    expect(table).to_contain_text("Sam Senior (sam)")
