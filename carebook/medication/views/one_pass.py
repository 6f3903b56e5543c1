"""One pass per person (ADR 0036): the person's checks once, then every medicine due now on one screen.

Opening a person on the round shows who they are (picture, name, date of birth, anyone nearby with the same name),
their allergies with Carebook's finding for each medicine due, and what they agree to; the care worker confirms
those three once. Then each medicine due now: its label (right medicine, dose, time and route, one look), any
reading or site its rule asks, and its outcome. "Save" records them together (``doses_record_in_one_pass``), each
as its own record with every answer and its time; nothing is written if one is refused, and the refusal is shown
beside that medicine. Doses that need more (a controlled drug's witness, a late dose's choice) link to their own
page; those held or not yet due say why.

Thin adapter: parse, fetch through an access function, call the service, render. Who and when come from the
session and the server clock; the times of the taps, where the page reports them, from the server's own clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from carebook.access.http import AuthenticatedRequest
from carebook.access.policy import Action, require
from carebook.core import clock
from carebook.core.errors import NotFound, PermissionDenied
from carebook.core.ids import parse_uuid
from carebook.core.limits import TEXT_MAX
from carebook.medication import rules
from carebook.medication.models import Outcome
from carebook.medication.selectors.round import PassDose, PersonPass, person_pass
from carebook.medication.services.administrations import (
    PassDoseRecording,
    PassDoseRefused,
    PassRefused,
    doses_record_in_one_pass,
)
from carebook.medication.services.showings import prompt_showings_open
from carebook.medication.views.record import back_from, back_url_for, outcome_choices
from carebook.medication.views.record_readings import outside_limits_message
from carebook.medication.vocab import LABEL_PROMPTS, PERSON_PROMPTS, READING_UNITS, Prompt, PromptResult, RequiredCheck
from carebook.medication.wording import recorded_text
from carebook.people.access import access_person_for_user
from carebook.people.models import Person

CONFIRMED, FAILED, SKIPPED = PromptResult.CONFIRMED, PromptResult.FAILED, PromptResult.SKIPPED
# The outcomes on show; the rest behind "Another outcome". At home, a dose the family gave is common (ADR 0038).
PRIMARY_OUTCOMES = (Outcome.GIVEN, Outcome.REFUSED, Outcome.REFUSED_NOT_OFFERED_AGAIN, Outcome.GIVEN_BY_FAMILY)
YES_NO = [(CONFIRMED, "Yes"), (FAILED, "No")]
LABEL_CHOICES = [(CONFIRMED, "Yes, the label matches"), (FAILED, "No, something does not match")]
PERSON_QUESTIONS: dict[str, str] = {
    Prompt.RIGHT_PERSON: "Is this {full_name}? Check the picture and the date of birth.",
    Prompt.ALLERGIES: "Have you checked {name}'s allergies against these medicines?",
    Prompt.CONSENT: "Does {name} agree to take their medicines?",
}


def _choice(message: str) -> dict[str, str]:
    return {"required": message, "invalid_choice": message}


def person_field(prompt: str) -> str:
    return f"prompt_{prompt}"


def dose_field(dose_id: object, name: str) -> str:
    return f"{name}-{dose_id}"


class PassForm(forms.Form):
    """The person's three checks, and for each dose of the pass its label, reading, site, amount and outcome.

    The shape of the input only; every clinical rule is the service's."""

    def __init__(self, *args: Any, doses: list[PassDose], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.doses = doses
        for prompt in PERSON_PROMPTS:
            self.fields[person_field(prompt)] = forms.ChoiceField(
                choices=YES_NO, required=False, error_messages=_choice("Choose yes or no.")
            )
        for entry in doses:
            key = entry.view.id
            self.fields[dose_field(key, "label")] = forms.ChoiceField(
                choices=LABEL_CHOICES, required=False, error_messages=_choice("Choose yes or no.")
            )
            self.fields[dose_field(key, "outcome")] = forms.ChoiceField(
                choices=[("", ""), *Outcome.choices],
                required=False,
                error_messages=_choice("Choose what happened from the list."),
            )
            self.fields[dose_field(key, "reason")] = forms.CharField(required=False, max_length=TEXT_MAX)
            self.fields[dose_field(key, "dose_given")] = forms.DecimalField(
                required=False,
                max_digits=9,
                decimal_places=3,
                min_value=Decimal("0.001"),
                error_messages={
                    "invalid": "Enter the amount given as a number, like 1 or 2.5.",
                    "min_value": "The amount given must be more than zero.",
                },
            )
            if entry.sites:
                self.fields[dose_field(key, "site")] = forms.CharField(required=False, max_length=100)
                self.fields[dose_field(key, "old_patch")] = forms.CharField(required=False, max_length=20)
            if entry.rx.effective_check:
                self.fields[dose_field(key, "reading")] = forms.DecimalField(
                    required=False,
                    max_digits=7,
                    decimal_places=1,
                    min_value=Decimal("0.1"),
                    error_messages={
                        "invalid": "Enter the reading as a number, like 72.",
                        "min_value": "The reading must be more than zero.",
                    },
                )
                self.fields[dose_field(key, "reading_skipped")] = forms.BooleanField(required=False)
                self.fields[dose_field(key, "reading_note")] = forms.CharField(required=False, max_length=TEXT_MAX)

    def value(self, entry: PassDose, name: str) -> Any:
        return self.cleaned_data.get(dose_field(entry.view.id, name))

    def person_answers(self, taps: dict[str, tuple[str, dt.datetime]]) -> list[rules.Answer]:
        answers = []
        for prompt in PERSON_PROMPTS:
            result = self.cleaned_data.get(person_field(prompt)) or ""
            if result:
                answers.append(rules.Answer(prompt=prompt, result=result, answered_at=_tap_time(taps, prompt, result)))
        return answers

    def recordings(self, taps: dict[str, tuple[str, dt.datetime]]) -> list[PassDoseRecording]:
        """The doses with an outcome chosen, in the page's order; a dose left without one stays due."""
        found = []
        for entry in self.doses:
            outcome = self.value(entry, "outcome") or ""
            if not outcome:
                continue
            label = self.value(entry, "label") or ""
            found.append(
                PassDoseRecording(
                    due_dose_id=entry.dose.pk,
                    outcome=outcome,
                    label=label,
                    label_at=_tap_time(taps, f"label:{entry.view.id}", label),
                    reading=self._reading(entry),
                    dose_given=self.value(entry, "dose_given"),
                    reason=self.value(entry, "reason") or "",
                    site=self.value(entry, "site") or "",
                    old_patch=self.value(entry, "old_patch") or "",
                )
            )
        return found

    def _reading(self, entry: PassDose) -> rules.Answer | None:
        check = entry.rx.effective_check
        if not check:
            return None
        value = self.value(entry, "reading")
        note = self.value(entry, "reading_note") or ""
        if self.value(entry, "reading_skipped"):
            return rules.Answer(prompt=check, result=SKIPPED, note=note)
        if value is not None:
            return rules.Answer(prompt=check, result=CONFIRMED, value=value, note=note)
        return None  # not taken: a given outcome is refused ("complete every safety check")


def _tap_time(taps: dict[str, tuple[str, dt.datetime]], key: str, result: str) -> dt.datetime | None:
    tap = taps.get(key)
    return tap[1] if tap is not None and result and tap[0] == result else None


# --- The taps, timed by the server (as on the recording page) ------------------------------------------------------


def _taps_key(person: Person) -> str:
    return f"cb_pass_taps:{person.pk}"


def _taps(request: HttpRequest, person: Person) -> dict[str, tuple[str, dt.datetime]]:
    return {k: (v[0], dt.datetime.fromisoformat(v[1])) for k, v in request.session.get(_taps_key(person), {}).items()}


@login_required
@never_cache
@require_POST
def person_pass_answer(request: AuthenticatedRequest, person_id: str) -> HttpResponse:
    """A tap reported by the page: a person's check ("right_person") or a label ("label:<dose id>")."""
    person = access_person_for_user(request.user, person_id, Action.RECORD_ADMINISTRATION)
    prompt = request.POST.get("prompt", "")
    result = request.POST.get("result", "")
    label_of = prompt.removeprefix("label:")
    if prompt not in PERSON_PROMPTS and (label_of == prompt or parse_uuid(label_of) is None):
        return HttpResponse("Not a check of this pass.", status=422, content_type="text/plain")
    if result not in (CONFIRMED, FAILED):
        return HttpResponse("Not an answer: confirmed or failed.", status=422, content_type="text/plain")
    taps = request.session.get(_taps_key(person), {})
    taps[prompt] = [result, clock.now().isoformat()]
    request.session[_taps_key(person)] = taps
    return HttpResponse(status=204)


# --- The page -----------------------------------------------------------------------------------------------------


@dataclass
class PageErrors:
    """The refusals of a save, beside the fields they concern and in the summary (anchor, message)."""

    fields: dict[str, str]
    summary: list[tuple[str, str]]
    cards: dict[str, str]  # a dose's refusal that belongs to no one field


def _form_errors(form: PassForm) -> PageErrors:
    errors = PageErrors({}, [], {})
    names = {entry.view.id: entry.view.medicine for entry in form.doses}
    for name, messages_ in form.errors.items():
        message = str(messages_[0])
        errors.fields[name] = message
        dose_id = name.split("-", 1)[1] if "-" in name else ""
        errors.summary.append((name, f"{names[dose_id]}: {message}" if dose_id in names else message))
    return errors


def _refusal_errors(refused: PassRefused, form: PassForm) -> PageErrors:
    errors = PageErrors({}, [], {})
    by_id = {entry.view.id: entry for entry in form.doses}
    for refusal in refused.refusals:
        entry = by_id.get(str(refusal.due_dose_id))
        if entry is None:
            continue
        name = _field_of(refusal, entry, form)
        if name in errors.fields:
            continue  # a check of the person, refused for every medicine: told once
        errors.fields[name] = refusal.message
        anchor = name if name in form.fields else f"dose-{entry.view.id}"
        if name.startswith("prompt_"):
            errors.summary.append((anchor, refusal.message))
        else:
            errors.summary.append((anchor, f"{entry.view.medicine}: {refusal.message}"))
            if name not in form.fields:
                errors.cards[entry.view.id] = refusal.message
    return errors


def _field_of(refusal: PassDoseRefused, entry: PassDose, form: PassForm) -> str:
    """The field a refusal belongs beside: a check of the person, the label, the reading, or the dose's own."""
    field = refusal.field or ""
    prompt = ""
    if field.startswith("prompts."):
        prompt = field.split(".", 1)[1]
    elif field == "prompts":
        missing = refusal.details.get("missing") or []
        prompt = missing[0] if missing else ""
    if prompt in PERSON_PROMPTS:
        return person_field(prompt)
    if prompt in LABEL_PROMPTS:
        return dose_field(entry.view.id, "label")
    if prompt:
        return dose_field(entry.view.id, "reading")
    name = dose_field(entry.view.id, field)
    return name if name in form.fields else f"card-{entry.view.id}"


def _render(
    request: HttpRequest,
    *,
    view: PersonPass,
    form: PassForm,
    back: dict[str, str],
    errors: PageErrors | None = None,
    status: int = 200,
) -> HttpResponse:
    errors = errors or PageErrors({}, [], {})
    person = view.person
    data = form.data if form.is_bound else {}
    questions = [
        {
            "prompt": prompt,
            "name": person_field(prompt),
            "question": PERSON_QUESTIONS[prompt].format(name=person.known_as, full_name=person.full_name),
            "value": data.get(person_field(prompt), ""),
            "error": errors.fields.get(person_field(prompt), ""),
        }
        for prompt in PERSON_PROMPTS
    ]
    cards = [_card(entry, data, errors, person) for entry in view.to_record]
    return render(
        request,
        "medication/one_pass.html",
        {
            "pass": view,
            "person": person,
            "questions": {q["prompt"]: q for q in questions},
            "cards": cards,
            "errors": errors.summary,
            "back": back,
            "back_url": back_url_for(back, person),
            "age": person.age_on(clock.to_local(view.now).date()),
            "answer_url": request.path + "answer/",
        },
        status=status,
    )


def _card(entry: PassDose, data: Any, errors: PageErrors, person: Person) -> dict[str, Any]:
    """One medicine of the pass as the template shows it: its fields' names, values and errors."""
    key = entry.view.id
    offered_again = entry.view.offered_again
    outcomes = outcome_choices(person, offered_again=offered_again)
    primary = [o for o in outcomes if o["value"] in PRIMARY_OUTCOMES]
    rx = entry.rx

    def field(name: str) -> dict[str, str]:
        full = dose_field(key, name)
        return {"name": full, "value": data.get(full, ""), "error": errors.fields.get(full, "")}

    return {
        "entry": entry,
        "dose": entry.view,
        "rx": rx,
        "medicine": rx.medicine,
        "label": field("label"),
        "outcome": field("outcome"),
        "reason": field("reason"),
        "dose_given": field("dose_given"),
        "site": field("site"),
        "old_patch": field("old_patch"),
        "reading": field("reading"),
        "reading_skipped": field("reading_skipped"),
        "reading_note": field("reading_note"),
        "reading_label": RequiredCheck.label_of(rx.effective_check),
        "reading_unit": READING_UNITS.get(rx.effective_check, ""),
        "reading_rule": rx.reading_rule.lines() if rx.reading_rule is not None else [],
        "primary_outcomes": primary,
        "other_outcomes": [o for o in outcomes if o not in primary],
        "other_chosen": bool(data.get(dose_field(key, "outcome")))
        and data.get(dose_field(key, "outcome")) not in {o["value"] for o in primary},
        "card_error": errors.cards.get(key, ""),
        "label_choices": LABEL_CHOICES,
        **entry.sites,
    }


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def person_pass_page(request: AuthenticatedRequest, person_id: str) -> HttpResponse:
    person = access_person_for_user(request.user, person_id, Action.RECORD_ADMINISTRATION)
    require(request.user, Action.VIEW_ROUND)
    data = request.POST if request.method == "POST" else request.GET
    back = back_from(data)
    view = person_pass(person=person, round_name=back.get("round", ""))
    back.setdefault("round", view.round_name)

    if request.method == "POST":
        form = PassForm(request.POST, doses=view.to_record)
        if not form.is_valid():
            return _render(request, view=view, form=form, back=back, errors=_form_errors(form), status=422)
        taps = _taps(request, person)
        recordings = form.recordings(taps)
        if not recordings:
            errors = PageErrors({}, [("medicines", "Choose what happened to at least one medicine.")], {})
            return _render(request, view=view, form=form, back=back, errors=errors, status=422)
        try:
            written = doses_record_in_one_pass(
                by=request.user, person=person, person_answers=form.person_answers(taps), doses=recordings
            )
        except (NotFound, PermissionDenied):
            raise
        except PassRefused as refused:
            errors = _refusal_errors(refused, form)
            return _render(request, view=view, form=form, back=back, errors=errors, status=refused.status)
        request.session.pop(_taps_key(person), None)
        slots: dict[object, PassDose] = {entry.dose.pk: entry for entry in view.to_record}
        for admin in written:
            entry = slots[admin.due_dose_id]
            messages.success(
                request,
                recorded_text(
                    admin, medicine=entry.rx.medicine, person_name=person.known_as, slot_at=entry.view.scheduled_at
                ),
            )
            if outside := outside_limits_message(admin):
                messages.warning(request, outside)
        left = len(view.to_record) - len(written)
        if left:
            messages.info(
                request, f"{left} more medicine{'s' if left > 1 else ''} for {person.known_as} still to record."
            )
        return redirect(back_url_for(back, person))

    # The prompts are on the page: store what was shown (ADR 0030), one look-up for the pass.
    prompt_showings_open(user=request.user, person=person, doses=[entry.dose for entry in view.to_record])
    return _render(request, view=view, form=PassForm(doses=view.to_record), back=back)


urlpatterns: list[URLPattern] = [
    path("people/<str:person_id>/medicines-now/", person_pass_page, name="person_pass"),
    path("people/<str:person_id>/medicines-now/answer/", person_pass_answer, name="person_pass_answer"),
]
