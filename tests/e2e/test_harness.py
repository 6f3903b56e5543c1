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


def test_a_touch_target_under_44_px_fails_but_a_link_in_a_sentence_does_not(ui):
    # Given a page with a button 30 px tall and a link inside a sentence
    ui.page.set_content(
        PAGE.format(body='<p>Read <a href="#x">the guide</a> first.</p><button id="small" type="button">Go</button>')
    )
    ui.page.add_style_tag(content="#small { height: 30px; min-height: 0; width: 80px; }")

    # Then the check names the button, at both widths, and not the link
    with pytest.raises(AssertionError) as failure:
        ui.check()
    message = str(failure.value)
    assert '[768 px] touch target under 44 px: button "Go" 80x30' in message
    assert "[360 px] touch target under 44 px" in message
    assert "the guide" not in message


def test_an_error_summary_without_the_focus_fails(ui):
    # Given a page whose error summary was never focused
    ui.page.set_content(
        PAGE.format(
            body='<div class="nhsuk-error-summary" tabindex="-1" role="alert"><h2>There is a problem</h2></div>'
        )
    )

    # Then the check says so; focused, it passes
    with pytest.raises(AssertionError) as failure:
        ui.check(phone=False)
    assert "the error summary does not have the focus" in str(failure.value)
    ui.page.focus(".nhsuk-error-summary")
    ui.titles.clear()
    ui.check(phone=False)


def test_two_pages_with_one_title_fail(ui, world):
    # Given two different pages that share a title
    ui.goto("/sign-in/")
    ui.page.evaluate("() => history.replaceState(null, '', '/sign-in/elsewhere/')")
    # Then the second is refused, naming the first
    with pytest.raises(AssertionError) as failure:
        ui.check(phone=False)
    assert "is also the title of /sign-in/" in str(failure.value)


def test_text_at_200_percent_that_pushes_the_page_sideways_fails(ui):
    # Given a box as wide as 30 lines of text are tall: it fits a tablet at 100 % text (480 px), not at 200 %
    ui.page.set_content(PAGE.format(body='<p id="row">A box sized in rem</p>'))
    ui.page.add_style_tag(content="#row { width: 30rem; }")

    with pytest.raises(AssertionError) as failure:
        ui.check(phone=False)
    assert "[768 px, text at 200 %] page scrolls sideways" in str(failure.value)
    assert "[768 px] page scrolls sideways" not in str(failure.value)


def test_a_header_taller_than_a_sixth_of_a_phone_screen_fails(ui):
    # Given a header 200 px tall: it fits the tablet's check, not a 360 x 740 phone's (at most 123 px)
    ui.page.set_content(PAGE.format(body="").replace("<body>", '<body><header class="cb-header" id="tall">x</header>'))
    ui.page.add_style_tag(content="#tall { height: 200px; }")

    with pytest.raises(AssertionError) as failure:
        ui.check()
    assert "[360 px] the header is 200 px tall, more than a 6th of the 740 px screen" in str(failure.value)
    assert "[768 px] the header" not in str(failure.value)
