"""The prescription form's part for the prescriber's reading limits (ADR 0017): what its template needs."""

from __future__ import annotations

from typing import Any

from django import forms

from carebook.medication.vocab import ReadingAction


def reading_limits_context(form: forms.Form, errors: dict[str, str]) -> dict[str, Any]:
    sides = [
        {
            "name": side,
            "action": f"reading_{side}_action",
            "value": form[f"reading_{side}_action"].value() or "",
            "error": errors.get(f"reading_{side}_action", ""),
        }
        for side in ("below", "above")
    ]
    return {"reading_actions": ReadingAction.choices, "reading_sides": sides}
