"""The audit pages' forms: the shape of what was typed only. What an answer, a finding or a sign-off must be is the
rules' and the services' to refuse; the view maps their refusal onto the field it names. The corrective action's
form is the incidents' (one mechanism: carebook.actions)."""

from __future__ import annotations

from typing import Any

from django import forms

from carebook.audits.models import AuditQuestion
from carebook.audits.vocab import AnswerType, YesNo
from carebook.core.limits import TEXT_MAX
from carebook.incidents.forms import ActionForm, CompleteForm, default_due

__all__ = ["ActionForm", "AddendumForm", "AnswersForm", "CompleteForm", "FindingForm", "SignForm", "default_due"]


class AnswersForm(forms.Form):
    """One field (and a note) per question of the audit's version: ``answer-<id>``, ``note-<id>``."""

    def __init__(self, *args: Any, questions: list[AuditQuestion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for q in questions:
            name = f"answer-{q.pk}"
            if q.answer_type == AnswerType.YES_NO:
                self.fields[name] = forms.ChoiceField(choices=YesNo.choices, required=False)
            elif q.answer_type == AnswerType.NUMBER:
                self.fields[name] = forms.CharField(required=False, max_length=20, strip=True)
            else:
                self.fields[name] = forms.CharField(required=False, max_length=2000, strip=True)
            self.fields[f"note-{q.pk}"] = forms.CharField(required=False, max_length=TEXT_MAX, strip=True)

    def given(self) -> list[tuple[Any, str, str]]:
        """(question id, value, note) for every question with an answer typed."""
        data = self.cleaned_data
        return [
            (q.pk, data.get(f"answer-{q.pk}") or "", data.get(f"note-{q.pk}") or "")
            for q in self.questions
            if data.get(f"answer-{q.pk}")
        ]


class FindingForm(forms.Form):
    text = forms.CharField(max_length=TEXT_MAX, strip=True, error_messages={"required": "Say what the audit found."})
    question = forms.TypedChoiceField(choices=[], required=False, coerce=str, empty_value=None)
    with_action = forms.ChoiceField(
        choices=[("yes", "Set a corrective action"), ("no", "No action is needed")],
        error_messages={"required": "Choose whether it needs a corrective action."},
    )
    no_action_reason = forms.CharField(required=False, max_length=TEXT_MAX, strip=True)

    def __init__(self, *args: Any, questions: list[AuditQuestion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["question"].choices = [  # type: ignore[attr-defined]
            ("", "The audit as a whole"),
            *[(str(q.pk), f"Question {q.position}: {q.text[:70]}") for q in questions],
        ]


class SignForm(forms.Form):
    note = forms.CharField(required=False, max_length=TEXT_MAX, strip=True)


class AddendumForm(forms.Form):
    text = forms.CharField(max_length=TEXT_MAX, strip=True, error_messages={"required": "Write the addendum."})


class StartForm(forms.Form):
    template = forms.CharField(error_messages={"required": "Choose the audit."})
    day = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Enter the day as a date, like 2026-06-10."},
    )


class TemplateForm(forms.Form):
    title = forms.CharField(max_length=200, strip=True, error_messages={"required": "Give the audit a title."})
    purpose = forms.CharField(required=False, max_length=TEXT_MAX, strip=True)
    change_note = forms.CharField(
        max_length=TEXT_MAX, strip=True, error_messages={"required": "Say what you changed, and why."}
    )

    def __init__(self, *args: Any, rows: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rows = rows
        for n in range(1, rows + 1):
            self.fields[f"q{n}-text"] = forms.CharField(required=False, max_length=TEXT_MAX, strip=True)
            self.fields[f"q{n}-guidance"] = forms.CharField(required=False, max_length=TEXT_MAX, strip=True)
            self.fields[f"q{n}-answer_type"] = forms.ChoiceField(choices=AnswerType.choices, required=False)
            self.fields[f"q{n}-no_needs_action"] = forms.BooleanField(required=False)
            self.fields[f"q{n}-evidence"] = forms.CharField(required=False, max_length=50, strip=True)
