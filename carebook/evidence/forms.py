"""The evidence pack's form: the shape of what was typed; the period's and the people's rules are the service's."""

from __future__ import annotations

from typing import Any

from django import forms

DAY_FORMATS = ["%Y-%m-%d"]


class PackForm(forms.Form):
    first = forms.DateField(
        input_formats=DAY_FORMATS,
        error_messages={"required": "Enter the period's first day.", "invalid": "Enter a date, like 2026-06-01."},
    )
    last = forms.DateField(
        input_formats=DAY_FORMATS,
        error_messages={"required": "Enter the period's last day.", "invalid": "Enter a date, like 2026-06-30."},
    )
    people = forms.MultipleChoiceField(choices=[], required=False)

    def __init__(self, *args: Any, people: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["people"].choices = people  # type: ignore[attr-defined]
