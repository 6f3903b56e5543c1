"""Forms for recording a dose, marking a record entered in error and following up a PRN dose.

They check the shape of the input only (a choice from the list, a number, a
time). Every clinical rule is the service's: the prompts walked, the reason
for a dose not given, the PRN limits, the witness.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms

from carebook.access.witness import WitnessCredentials
from carebook.core import clock
from carebook.core.limits import TEXT_MAX
from carebook.medication import rules
from carebook.medication.services.administrations import LateDoseRequest
from carebook.medication.vocab import FollowUpEffect, LateDoseChoice, OldPatch, Outcome, PromptResult

CONFIRMED, FAILED, SKIPPED = PromptResult.CONFIRMED, PromptResult.FAILED, PromptResult.SKIPPED


def prompt_field(prompt: str) -> str:
    return f"prompt_{prompt}"


def _choice_messages(message: str) -> dict[str, str]:
    return {"required": message, "invalid_choice": message}


def _number_messages(what: str, places: int) -> dict[str, str]:
    example = "72" if places == 1 else "1 or 2.5"
    return {
        "invalid": f"Enter {what} as a number, like {example}.",
        "max_digits": f"{what.capitalize()} is too large.",
        "max_whole_digits": f"{what.capitalize()} is too large.",
        "max_decimal_places": f"Enter {what} with at most {places} decimal place{'s' if places > 1 else ''}.",
        "min_value": f"{what.capitalize()} must be more than zero.",
    }


class RecordDoseForm(forms.Form):
    """The prompts (one radio group each, a reading where asked) and the outcome of one dose."""

    outcome = forms.ChoiceField(
        choices=Outcome.choices, error_messages=_choice_messages("Choose what happened to this dose.")
    )
    dose_given = forms.DecimalField(
        required=False, max_digits=9, decimal_places=3, error_messages=_number_messages("the amount given", 3)
    )
    given_at = forms.TimeField(
        required=False,
        input_formats=["%H:%M", "%H:%M:%S"],
        error_messages={"invalid": "Enter the time it was given on the 24-hour clock, like 08:15."},
    )
    site = forms.CharField(required=False, max_length=100)
    old_patch = forms.ChoiceField(
        required=False, choices=OldPatch.choices, error_messages=_choice_messages("Say what happened to the old patch.")
    )
    observations = forms.CharField(required=False, max_length=TEXT_MAX)
    prn_reason = forms.CharField(required=False, max_length=TEXT_MAX)
    reason = forms.CharField(required=False, max_length=TEXT_MAX)
    witness_username = forms.CharField(required=False, max_length=150)
    witness_password = forms.CharField(required=False, max_length=200, strip=False)
    # A late dose too close to the next one (ADR 0021): the choice, why, the next dose's new time, a senior.
    late_choice = forms.ChoiceField(
        required=False,
        choices=LateDoseChoice.choices,
        error_messages=_choice_messages("Choose what to do about the next dose."),
    )
    late_reason = forms.CharField(required=False, max_length=TEXT_MAX)
    move_next_to = forms.TimeField(
        required=False,
        input_formats=["%H:%M", "%H:%M:%S"],
        error_messages={"invalid": "Enter the new time on the 24-hour clock, like 22:15."},
    )
    late_senior_username = forms.CharField(required=False, max_length=150)
    late_senior_password = forms.CharField(required=False, max_length=200, strip=False)

    def __init__(self, *args: Any, prompts: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.prompts = tuple(prompts)
        for prompt in self.prompts:
            name = prompt_field(prompt)
            choices = [(CONFIRMED, "Yes, confirmed"), (FAILED, "No")]
            if prompt in rules.READING_PROMPTS:
                choices.append((SKIPPED, "Could not take the reading"))
                self.fields[f"{name}_value"] = forms.DecimalField(
                    required=False,
                    max_digits=7,
                    decimal_places=1,
                    min_value=Decimal("0.1"),
                    error_messages=_number_messages("the reading", 1),
                )
                self.fields[f"{name}_note"] = forms.CharField(required=False, max_length=TEXT_MAX)
            self.fields[name] = forms.ChoiceField(
                choices=choices, required=False, error_messages=_choice_messages("Choose an answer from the list.")
            )

    def answers(self, tapped: dict[str, tuple[str, dt.datetime]] | None = None) -> list[rules.Answer]:
        """The prompts answered, in order; a prompt left unanswered is simply not sent (the service decides).

        ``tapped``: the server's time of each tap the page reported (prompt → (result, time)); a time
        is used only when the answer submitted is the one tapped then.
        """
        tapped = tapped or {}
        answers: list[rules.Answer] = []
        for prompt in self.prompts:
            name = prompt_field(prompt)
            result = self.cleaned_data.get(name) or ""
            if not result:
                continue
            value = self.cleaned_data.get(f"{name}_value") if result == CONFIRMED else None
            note = self.cleaned_data.get(f"{name}_note") or ""
            tap = tapped.get(prompt)
            at = tap[1] if tap is not None and tap[0] == result else None
            answers.append(rules.Answer(prompt=prompt, result=result, value=value, note=note, answered_at=at))
        return answers

    def reading_value(self, prompt: str) -> Decimal | None:
        """The reading typed for ``prompt`` if it is a number this form accepts, else None (it checks nothing else)."""
        name = f"{prompt_field(prompt)}_value"
        if name not in self.fields:
            return None
        try:
            value = self.fields[name].clean(self[name].value())
        except forms.ValidationError:
            return None
        return value if isinstance(value, Decimal) else None

    def administered_at(self, now: dt.datetime) -> dt.datetime | None:
        """The carer's 'given at' time: the most recent such wall-clock time (today, else yesterday)."""
        given_at: dt.time | None = self.cleaned_data.get("given_at")
        if given_at is None:
            return None
        today = clock.to_local(now).date()
        instant = clock.local_wall_time(today, given_at)
        if instant > now + rules.CLOCK_SKEW_ALLOWED:
            instant = clock.local_wall_time(today - dt.timedelta(days=1), given_at)
        return instant

    def late(self, earliest_move: dt.datetime | None) -> LateDoseRequest | None:
        """The late-dose choice, if one was made. The new time of the next dose is the first such wall time
        from 12 hours before the earliest allowed (so "00:30" after an evening earliest is the next night)."""
        choice = self.cleaned_data.get("late_choice") or ""
        if not choice:
            return None
        move_to = None
        wall: dt.time | None = self.cleaned_data.get("move_next_to")
        if choice == LateDoseChoice.MOVE_NEXT and wall is not None and earliest_move is not None:
            day = clock.to_local(earliest_move).date()
            move_to = clock.local_wall_time(day, wall)
            if move_to < earliest_move - dt.timedelta(hours=12):
                move_to = clock.local_wall_time(day + dt.timedelta(days=1), wall)
        username = self.cleaned_data.get("late_senior_username") or ""
        password = self.cleaned_data.get("late_senior_password") or ""
        senior = WitnessCredentials(username=username, password=password) if username or password else None
        return LateDoseRequest(
            choice=choice, reason=self.cleaned_data.get("late_reason") or "", move_next_to=move_to, senior=senior
        )

    def witness(self) -> WitnessCredentials | None:
        username = self.cleaned_data.get("witness_username") or ""
        password = self.cleaned_data.get("witness_password") or ""
        if not username and not password:
            return None
        return WitnessCredentials(username=username, password=password)


class EnteredInErrorForm(forms.Form):
    reason = forms.CharField(
        max_length=TEXT_MAX,
        error_messages={"required": "Say why this record is wrong.", "max_length": "Keep it short."},
    )


class FollowUpForm(forms.Form):
    effect = forms.ChoiceField(
        choices=FollowUpEffect.choices, error_messages=_choice_messages("Choose whether it worked.")
    )
    note = forms.CharField(required=False, max_length=TEXT_MAX)


def service_field(error_field: str | None, details: dict[str, Any], known: set[str]) -> str:
    """The form field a service error belongs beside ('__all__' when it concerns the whole dose)."""
    name = error_field or ""
    if name.startswith("prompts."):
        candidate = prompt_field(name.split(".", 1)[1])
    elif name == "prompts":
        missing = details.get("missing") or []
        candidate = prompt_field(missing[0]) if missing else "__all__"
    elif name == "administered_at":
        candidate = "given_at"
    elif name == "witness":
        candidate = "witness_username"
    elif name == "late_senior":
        candidate = "late_senior_username"
    else:
        candidate = name
    return candidate if candidate in known else "__all__"
