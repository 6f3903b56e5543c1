"""The incident pages' forms: the shape of what was typed only (a choice from a list, a date, a time). What an
incident, a notice, the candour record or a sign-off must say is the rules' and the services' to refuse; the view
maps their refusal onto the field it names. Each form on the incident page has its own prefix (its ids and names
do not clash)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django import forms

from carebook.actions.vocab import ActionKind
from carebook.core.limits import TEXT_MAX
from carebook.incidents.vocab import CandourTold, Harm, IncidentKind, Party

MOMENT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


def _choice(choices: Any, message: str, *, required: bool = True) -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=choices, required=required, error_messages={"required": message, "invalid_choice": message}
    )


def _moment(what: str) -> forms.DateTimeField:
    return forms.DateTimeField(
        input_formats=MOMENT_FORMATS,
        error_messages={
            "required": f"Enter {what}.",
            "invalid": f"Enter {what} as a date and time, like 2026-06-10 08:30.",
        },
    )


def _day(what: str) -> forms.DateField:
    return forms.DateField(
        input_formats=["%Y-%m-%d"],
        error_messages={"required": f"Enter {what}.", "invalid": f"Enter {what} as a date, like 2026-06-10."},
    )


def _text(message: str, *, required: bool = True, max_length: int = TEXT_MAX) -> forms.CharField:
    return forms.CharField(required=required, max_length=max_length, strip=True, error_messages={"required": message})


def _id_choice(message: str, *, required: bool, coerce: Any = uuid.UUID) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        choices=[],
        required=required,
        coerce=coerce,
        empty_value=None,
        error_messages={"required": message, "invalid_choice": message},
    )


class ReportForm(forms.Form):
    kind = _choice(IncidentKind.choices, "Choose what kind of incident it was.")
    what_happened = _text("Say what happened.")
    occurred_at = _moment("when it happened")
    discovered_at = _moment("when it was discovered")
    harm = _choice(Harm.choices, "Choose the harm to the person.")
    immediate_actions = _text("", required=False)
    person = _id_choice("Choose a person at your locations.", required=False)
    staff = forms.TypedMultipleChoiceField(
        choices=[], required=False, coerce=int, error_messages={"invalid_choice": "Choose staff of this home."}
    )
    alert = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, people: list[tuple[str, str]], staff: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "Nobody in particular (a stock discrepancy, say)"), *people]  # type: ignore[attr-defined]
        self.fields["staff"].choices = staff  # type: ignore[attr-defined]


class NoticeForm(forms.Form):
    party = _choice(Party.choices, "Choose who was told.")
    told_at = _moment("when they were told")
    note = _text("", required=False)


class CqcForm(forms.Form):
    notified_at = _moment("when the CQC was notified")
    reference = _text("Enter the reference the CQC gave the notification.", max_length=100)


class CandourForm(forms.Form):
    told = _choice(CandourTold.choices, "Choose who was told.")
    told_on = _day("the date they were told")
    apology = forms.BooleanField(
        required=True, error_messages={"required": "The duty of candour needs an apology: confirm one was given."}
    )
    written_on = _day("the date it was put in writing")
    note = _text("", required=False)


class FindingForm(forms.Form):
    text = _text("Write the finding.")


class ActionForm(forms.Form):
    kind = _choice(ActionKind.choices, "Choose the kind of action.")
    what = _text("Say what is to be done.")
    owner = _id_choice("Choose who owns this action.", required=True, coerce=int)
    due_on = _day("the date it is due by")

    def __init__(self, *args: Any, owners: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "Choose a member of staff"), *owners]  # type: ignore[attr-defined]


class CompleteForm(forms.Form):
    note = _text("Say what was done to complete it.")


class SignOffForm(forms.Form):
    note = _text("", required=False, max_length=TEXT_MAX)


def default_due(today: dt.date) -> dt.date:
    """What the "add an action" form proposes: two weeks."""
    return today + dt.timedelta(days=14)
