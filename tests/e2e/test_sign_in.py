"""Signing in and out on a shared tablet or a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_sign_in_page_is_accessible_on_a_phone(phone_ui, world):
    # Given nobody is signed in on a phone
    # When they open Carebook
    phone_ui.goto("/")

    # Then they are sent to the sign-in page, which axe finds clean at 360 px and fits the screen
    assert phone_ui.path.startswith("/sign-in/")
    expect(phone_ui.page.get_by_role("heading", level=1)).to_have_text("Sign in to Carebook")


def test_a_wrong_password_is_explained_beside_the_field(ui, world):
    # Given Carla is at the sign-in page on the tablet
    ui.goto("/sign-in/")

    # When she types the wrong password
    page = ui.page
    page.get_by_label("Username").fill("carla")
    page.get_by_label("Password", exact=True).fill("not-my-password")
    page.get_by_role("button", name="Sign in").click()
    ui.check()

    # Then she stays on the sign-in page, told what is wrong in the summary and beside the field
    assert ui.path.startswith("/sign-in/")
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("The username or password is not right")
    # (NHS pattern: an nhsuk-error-message in the field's group, referenced by the input's aria-describedby)
    password = page.get_by_label("Password", exact=True)
    expect(password).to_have_accessible_description(re.compile("The username or password is not right"))
    # and nobody is signed in
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def test_carla_signs_in_to_the_round_picker_and_signs_out_in_one_tap(ui, world):
    # Given Carla, a care worker at Oakfield House
    # When she signs in with her username and password
    ui.sign_in("carla")
    ui.check()

    # Then she lands on the round picker, signed in by name
    expect(ui.page.get_by_role("heading", level=1)).to_have_text("Where are you working?")
    expect(ui.page.get_by_test_id("who")).to_contain_text("Carla Carer")
    expect(ui.page.get_by_label("Oakfield House, Rowan")).to_be_visible()

    # When she taps "Sign out" once
    ui.sign_out()
    ui.check()

    # Then she is back at the sign-in page, told she signed out, and signed out: the round asks her to sign in again
    assert ui.path.startswith("/sign-in/")
    expect(ui.page.get_by_role("status")).to_have_text("Information: You have signed out.")
    expect(ui.page.get_by_role("button", name="Sign out")).to_have_count(0)
    ui.goto("/round/")
    assert ui.path.startswith("/sign-in/")
