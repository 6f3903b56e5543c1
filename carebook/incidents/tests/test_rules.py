"""The incident rules, pure: when the CQC must be notified (Regulation 18; 16 for a death), when the duty of
candour applies (Regulation 20), what a candour record needs, and what stands in the way of sign-off."""

from __future__ import annotations

import datetime as dt

import pytest

from carebook.core.errors import Conflict, ValidationFailed
from carebook.incidents import rules
from carebook.incidents.vocab import Harm

DAY = dt.date(2026, 6, 10)


@pytest.mark.parametrize(
    ("harm", "safeguarding", "required"),
    [
        ("none", False, False),
        ("low", False, False),
        ("moderate", False, True),
        ("severe", False, True),
        ("death", False, True),
        ("none", True, True),  # a safeguarding referral, whatever the harm
        ("low", True, True),
    ],
)
def test_a_cqc_notification_is_required_at_moderate_harm_or_worse_or_with_safeguarding(harm, safeguarding, required):
    assert rules.cqc_notification_required(harm=harm, safeguarding_referral=safeguarding) is required


@pytest.mark.parametrize("harm", Harm.values)
def test_candour_is_required_at_moderate_harm_or_worse(harm):
    assert rules.candour_required(harm=harm) is (harm in {"moderate", "severe", "death"})


def whole(**kw):
    fields = {"told": "family", "told_on": DAY, "apology": True, "written_on": DAY + dt.timedelta(days=1)}
    return rules.CandourInput(**{**fields, **kw})


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"told": ""}, "told"),
        ({"told_on": None}, "told_on"),
        ({"apology": False}, "apology"),
        ({"written_on": None}, "written_on"),
        ({"told_on": DAY - dt.timedelta(days=3)}, "told_on"),  # before it happened
        ({"written_on": DAY + dt.timedelta(days=9)}, "written_on"),  # in the future
        ({"told_on": DAY + dt.timedelta(days=1), "written_on": DAY}, "written_on"),  # written before told
    ],
)
def test_a_candour_record_is_refused_until_whole(change, field):
    with pytest.raises(ValidationFailed) as refused:
        rules.check_candour(whole(**change), today=DAY + dt.timedelta(days=2), occurred_on=DAY)
    assert refused.value.field == field


def test_a_whole_candour_record_passes():
    rules.check_candour(whole(), today=DAY + dt.timedelta(days=2), occurred_on=DAY)


def facts(**kw):
    base = {
        "status": "under_review",
        "harm": "none",
        "findings": 1,
        "open_actions": 0,
        "candour_recorded": False,
        "cqc_notified": False,
        "parties_told": frozenset(),
    }
    return rules.SignOffFacts(**{**base, **kw})


@pytest.mark.parametrize(
    ("change", "code", "error"),
    [
        ({"open_actions": 1}, "open_actions", Conflict),
        ({"findings": 0}, "findings_required", ValidationFailed),
        ({"harm": "moderate", "cqc_notified": True}, "candour_required", ValidationFailed),
        ({"harm": "severe", "candour_recorded": True}, "cqc_notification_required", ValidationFailed),
        ({"parties_told": frozenset({"safeguarding"})}, "cqc_notification_required", ValidationFailed),
        ({"status": "closed"}, "already_closed", Conflict),
    ],
)
def test_sign_off_is_refused_with_the_reason(change, code, error):
    with pytest.raises(error) as refused:
        rules.check_sign_off(facts(**change))
    assert refused.value.code == code


def test_sign_off_passes_when_nothing_stands_in_the_way():
    rules.check_sign_off(facts())
    rules.check_sign_off(facts(harm="death", candour_recorded=True, cqc_notified=True))
    assert rules.sign_off_problems(facts(findings=0, open_actions=2))[1][2].startswith("2 corrective actions are")


def test_times_must_be_in_order_and_not_in_the_future():
    now = dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC)
    with pytest.raises(ValidationFailed) as later:
        rules.check_times(occurred_at=now, discovered_at=now - dt.timedelta(minutes=1), now=now)
    assert later.value.field == "discovered_at"
    with pytest.raises(ValidationFailed) as future:
        rules.check_times(occurred_at=now + dt.timedelta(minutes=1), discovered_at=now, now=now)
    assert future.value.field == "occurred_at"
