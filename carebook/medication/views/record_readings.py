"""The recording page's readings (ADR 0017): the prescriber's limits in the prompt, and the decision told at once.

Without JavaScript, "Check the reading" posts the page and it comes back with the decision, nothing saved;
with JavaScript, htmx posts only the reading as it is typed and swaps in the same decision box. Either
way the server decides, with the rules the recording service applies (``rules.decide``).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from carebook.medication import rules
from carebook.medication.models import Administration, Prescription
from carebook.medication.reading_text import readings_of
from carebook.medication.rules.readings import implausible
from carebook.medication.views.record_forms import RecordDoseForm
from carebook.medication.vocab import ReadingDecision

CHECK_READING = "check_reading"


def reading_check_data(request: HttpRequest) -> Any:
    """The values to decide on when the carer asks what the reading means, else None; nothing is saved.

    "Check the reading" posts the whole page (no JavaScript); htmx asks with a GET of the reading alone, so
    nothing else typed on the page (a witness's password) travels with it.
    """
    data = request.POST if request.method == "POST" else request.GET
    return data if CHECK_READING in data else None


def quietly_bound(form: RecordDoseForm) -> RecordDoseForm:
    """The page as typed, without the errors of a save nobody asked for."""
    form.is_valid()
    form.errors.clear()
    return form


def reading_row(form: RecordDoseForm, rx: Prescription, prompt: str) -> dict[str, Any]:
    """What the reading prompt shows: the limits, and the decision for the value typed (if any)."""
    rule = rx.reading_rule
    if rule is not None and rule.check != prompt:
        rule = None
    value = form.reading_value(prompt)
    wrong = implausible(prompt, value) if value is not None else None
    verdict = rules.decide(rule, check=prompt, value=value) if value is not None and wrong is None else None
    return {
        "rule_lines": rule.lines() if rule is not None else [],
        "rule_plan": rule.plan if rule is not None else "",
        "verdict": verdict,
        "implausible": wrong.message if wrong is not None else "",
        "withhold": verdict is not None and verdict.decision == ReadingDecision.WITHHOLD,
        "tell": verdict is not None and verdict.decision == ReadingDecision.GIVE_AND_TELL,
    }


def outside_limits_message(administration: Administration) -> str:
    """After saving: the readings beyond a limit, and the plan, so the carer acts on it now ('' if none)."""
    lines = readings_of(administration.prompt_answers.all(), administration.prescription)
    outside = [line for line in lines if line.outside]
    if not outside:
        return ""
    plan = administration.prescription.reading_plan.strip()
    tell = any(not line.withheld for line in outside)
    head = "Tell someone now. " if tell else "Withheld on the prescriber's instruction. "
    return head + "; ".join(line.text for line in outside) + "." + (f" The prescriber's plan: {plan}" if plan else "")
