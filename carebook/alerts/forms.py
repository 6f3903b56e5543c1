"""The alert page's forms: the shape of what was typed only (a choice from the list, a date and time).

What a step must say (the care worker's answer, who was asked and their advice, the outcome and what it needs) is
the rules' (``alerts.rules.check_action``): the view maps their refusal onto the field it names.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms

from carebook.alerts import rules
from carebook.alerts.vocab import FOLLOW_UPS, ActionKind, CareWorkerAnswer, Informed, Outcome, Professional
from carebook.core.limits import TEXT_MAX


def _choice(choices: Any, message: str, *, required: bool = False) -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=choices, required=required, error_messages={"required": message, "invalid_choice": message}
    )


class StepForm(forms.Form):
    """One step taken on an alert. The fields a kind does not use are ignored."""

    kind = _choice(ActionKind.choices, "Choose what was done.", required=True)
    answer = _choice(CareWorkerAnswer.choices, "Choose what the care worker said.")
    professional = _choice(Professional.choices, "Choose who was asked for advice.")
    advice = forms.CharField(required=False, max_length=TEXT_MAX, strip=True)
    outcome = _choice(Outcome.choices, "Choose the outcome from the list.")
    new_prescription = forms.TypedChoiceField(
        choices=[],
        required=False,
        coerce=uuid.UUID,
        empty_value=None,
        error_messages={"invalid_choice": "Choose a prescription of this person."},
    )
    observe_what = forms.CharField(required=False, max_length=300, strip=True)
    observe_until = forms.DateTimeField(
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={"invalid": "Enter the date and time to observe until, like 2026-06-10 18:00."},
    )
    informed = _choice(Informed.choices, "Choose who was told.")
    note = forms.CharField(required=False, max_length=TEXT_MAX, strip=True)

    def __init__(
        self,
        *args: Any,
        prescriptions: list[tuple[str, str]],
        may_decide: bool,
        about_staff: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_prescription"].choices = [("", "Choose the new version"), *prescriptions]  # type: ignore[attr-defined]
        if about_staff:  # a member of staff's non-compliance: the supervisor's follow-ups, and notes (ADR 0030)
            kinds = [(v, label) for v, label in ActionKind.choices if v in FOLLOW_UPS or v == ActionKind.NOTE]
        else:
            kinds = [(v, label) for v, label in ActionKind.choices if v not in FOLLOW_UPS]
        if not may_decide:  # a care worker records what they were asked, not an outcome (the service agrees)
            kinds = [(v, label) for v, label in kinds if v != ActionKind.ADVICE_OUTCOME]
        self.fields["kind"].choices = kinds  # type: ignore[attr-defined]

    def step(self) -> rules.ActionInput:
        data = self.cleaned_data
        kind = data["kind"]
        return rules.ActionInput(
            kind=kind,
            note=data.get("note") or "",
            answer=(data.get("answer") or "") if kind == ActionKind.CONTACTED_CARE_WORKER else "",
            professional=(data.get("professional") or "") if kind == ActionKind.ESCALATED else "",
            advice=(data.get("advice") or "") if kind == ActionKind.ESCALATED else "",
            outcome=(data.get("outcome") or "") if kind == ActionKind.ADVICE_OUTCOME else "",
            observe_what=(data.get("observe_what") or "") if self._observing() else "",
            observe_until=data.get("observe_until") if self._observing() else None,
            informed=(data.get("informed") or "") if kind == ActionKind.INFORMED else "",
        )

    def new_prescription_id(self) -> uuid.UUID | None:
        data = self.cleaned_data
        if data["kind"] == ActionKind.ADVICE_OUTCOME and data.get("outcome") == Outcome.MEDICATION_CHANGED:
            value = data.get("new_prescription")
            return value if isinstance(value, uuid.UUID) else None
        return None

    def _observing(self) -> bool:
        data = self.cleaned_data
        return data["kind"] == ActionKind.ADVICE_OUTCOME and data.get("outcome") == Outcome.OBSERVE


class ResolveForm(forms.Form):
    note = forms.CharField(required=False, max_length=TEXT_MAX, strip=True)
