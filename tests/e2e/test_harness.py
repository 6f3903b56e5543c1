"""The browser checks can fail: each one is shown catching the problem it exists to catch."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE = """<!DOCTYPE html><html lang="en-GB"><head><title>Harness</title></head>
<body><main><h1>Harness</h1>{body}</main></body></html>"""


def test_axe_catches_a_serious_violation(ui):
    # Given a page with an unlabelled text box (axe rule "label", impact critical)
    ui.page.set_content(PAGE.format(body='<input type="text" id="nameless">'))

    # Then the check fails, naming the rule and the element
    with pytest.raises(AssertionError) as failure:
        ui.check(phone=False)
    assert "label" in str(failure.value)
    assert "#nameless" in str(failure.value)


def test_the_phone_check_catches_a_page_that_scrolls_sideways(ui):
    # Given a page wider than a phone
    ui.page.set_content(PAGE.format(body='<p id="wide">wide</p>'))
    ui.page.add_style_tag(content="#wide { width: 700px; }")

    # Then it passes at 768 px but fails at 360 px
    with pytest.raises(AssertionError) as failure:
        ui.check()
    assert "[360 px] page scrolls sideways" in str(failure.value)
    assert "[768 px]" not in str(failure.value)


def test_a_content_security_policy_violation_fails_the_test(ui, world):
    # Given a real page served with the app's Content-Security-Policy
    ui.goto("/sign-in/")

    # When something tries to run an inline script, which the policy refuses
    with pytest.raises(Exception):  # noqa: B017 - Playwright reports the refusal as an Error
        ui.page.add_script_tag(content="window.injected = true;")
    assert ui.page.evaluate("() => window.injected") is None

    # Then the harness reports it
    with pytest.raises(AssertionError) as failure:
        ui.assert_no_console_problems()
    assert "Content Security Policy" in str(failure.value)


def test_a_script_error_fails_the_test(ui):
    ui.page.set_content(PAGE.format(body="<p>ok</p>"))
    ui.page.evaluate("() => setTimeout(() => { throw new Error('boom'); }, 0)")
    ui.page.wait_for_timeout(50)
    with pytest.raises(AssertionError) as failure:
        ui.assert_no_console_problems()
    assert "boom" in str(failure.value)
