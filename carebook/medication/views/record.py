"""Recording a dose through the safety prompts, a PRN dose, a correction and a PRN follow-up.

Thin adapters: parse the form, fetch through an access function, call the
service, render. Who and when come from the session and the server clock.
Nothing is written when the service refuses (it is atomic); the page shows
the error beside the field it concerns.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from carebook.access.http import AuthenticatedRequest
from carebook.access.policy import Action, can
from carebook.core import clock
from carebook.core.errors import DomainError, NotFound, PermissionDenied
from carebook.core.ids import parse_uuid
from carebook.medication import rules
from carebook.medication.access import (
    access_administration_for_user,
    access_due_dose_for_user,
    access_prescription_for_user,
)
from carebook.medication.contents import PrescriptionSafety, allergy_facts_of, offer_facts
from carebook.medication.facts import awaiting_transcription_check, prescription_facts, slot_facts
from carebook.medication.models import (
    Administration,
    DueDose,
    Outcome,
    Prescription,
    Prompt,
    RequiredCheck,
)
from carebook.medication.reading_text import readings_of
from carebook.medication.selectors.late import LateOffer, late_offer_for
from carebook.medication.selectors.person import (
    can_correct,
    effective_record_for,
    last_dose_of,
    offered_again_for,
    prn_offer_for,
)
from carebook.medication.selectors.round import is_round_name, site_choices
from carebook.medication.services.administrations import (
    administration_mark_entered_in_error,
    administration_record,
    prn_follow_up_record,
)
from carebook.medication.services.showings import prompt_showing_open
from carebook.medication.views.record_forms import (
    EnteredInErrorForm,
    FollowUpForm,
    RecordDoseForm,
    prompt_field,
    service_field,
)
from carebook.medication.views.record_readings import (
    outside_limits_message,
    quietly_bound,
    reading_check_data,
    reading_row,
)
from carebook.medication.vocab import HOME_CARE_ONLY, READING_UNITS, TAKEN
from carebook.medication.wording import dose_on_day_text, quantity_text, recorded_text
from carebook.organisations.models import Location
from carebook.people.allergies import allergy_statement
from carebook.people.models import Person
from carebook.people.namesakes import namesake_warning, namesakes_of
from carebook.people.whereabouts import room_of, room_words

# --- Where to go back to -------------------------------------------------------------------


def back_from(data: Any) -> dict[str, str]:
    """The page the carer came from (round and unit, or the person's page), from trusted values only."""
    back: dict[str, str] = {}
    if data.get("back") == "person":
        back["back"] = "person"
    round_name = data.get("round", "")
    if is_round_name(round_name):
        back["round"] = round_name
    unit = parse_uuid(data.get("unit", ""))
    if unit is not None:
        back["unit"] = str(unit)
    visit = parse_uuid(data.get("visit", ""))
    if visit is not None:
        back["visit"] = str(visit)  # a home-care visit (ADR 0038): its page checks who may see it
    return back


def back_url_for(back: dict[str, str], person: Person, prn: bool = False) -> str:
    if back.get("visit"):
        return reverse("medication:visit", args=[back["visit"]])
    if prn or back.get("back") == "person":
        return reverse("people:person", args=[person.pk])
    query = {k: v for k, v in back.items() if k in ("round", "unit")}
    url = reverse("medication:round", args=[person.location_id])
    url = f"{url}?{urlencode(query)}" if query else url
    return f"{url}#person-{person.pk}"  # back to the person's card, where the carer was


# --- The prompts as the page shows them ----------------------------------------------------

QUESTIONS: dict[str, str] = {
    Prompt.RIGHT_PERSON: "Is this {name}?",
    Prompt.RIGHT_MEDICINE: "Is this the right medicine? Check the label against this record.",
    Prompt.RIGHT_DOSE: "Is this the right dose?",
    Prompt.RIGHT_TIME: "Is it the right time for this dose?",
    Prompt.RIGHT_ROUTE: "Is it the right route?",
    Prompt.ALLERGIES: "Have you checked {name}'s allergies against this medicine?",
    Prompt.CONSENT: "Does {name} agree to take it?",
    Prompt.PULSE: "Take {name}'s pulse",
    Prompt.BLOOD_GLUCOSE: "Take {name}'s blood glucose",
    Prompt.BLOOD_PRESSURE: "Take {name}'s blood pressure",
}


def _prompt_rows(form: RecordDoseForm, person: Person, rx: Prescription) -> list[dict[str, Any]]:
    rows = []
    for number, prompt in enumerate(form.prompts, start=1):
        name = prompt_field(prompt)
        reading = prompt in rules.READING_PROMPTS
        choices = [(value, label) for value, label in form.fields[name].choices]  # type: ignore[attr-defined]
        row: dict[str, Any] = {
            "prompt": prompt,
            "number": number,
            "name": name,
            "question": QUESTIONS.get(prompt, Prompt(prompt).label).format(name=person.known_as),
            "choices": choices,
            "value": form[name].value() or "",
            "errors": form.errors.get(name, []),
            "reading": reading,
        }
        if reading:
            row.update(
                value_name=f"{name}_value",
                value_value=form[f"{name}_value"].value() or "",
                value_errors=form.errors.get(f"{name}_value", []),
                value_label=RequiredCheck(prompt).label,
                value_unit=READING_UNITS.get(prompt, ""),
                note_name=f"{name}_note",
                note_value=form[f"{name}_note"].value() or "",
                note_errors=form.errors.get(f"{name}_note", []),
                **reading_row(form, rx, prompt),  # the prescriber's limits and the decision (ADR 0017)
            )
        rows.append(row)
    return rows


def _error_list(form: Any) -> list[tuple[str, str]]:
    """(anchor, message) for the error summary; the anchor is the field's first input."""
    items: list[tuple[str, str]] = []
    for name, errors in form.errors.items():
        anchor = "outcome-section" if name == "__all__" else name
        items.extend((anchor, str(message)) for message in errors)
    return items


def outcome_choices(person: Person, *, offered_again: bool = False) -> list[dict[str, Any]]:
    """The outcomes a carer may choose; offering a dose again, not "refused (will offer again)" a second time: a
    refusal now is for good (ADR 0034). Still asleep at the second offer is the dose's outcome."""
    home_care = person.location.kind == Location.Kind.HOME_CARE
    return [
        {"value": value, "label": label, "taken": value in TAKEN}
        for value, label in Outcome.choices
        if (value not in HOME_CARE_ONLY or home_care)  # family give doses at home, not in a care home
        and not (offered_again and value == Outcome.REFUSED)  # offered again once: refused now is for good
    ]


def _render_record(
    request: HttpRequest,
    *,
    form: RecordDoseForm,
    rx: Prescription,
    person: Person,
    back: dict[str, str],
    status: int = 200,
    dose: DueDose | None = None,
    existing: Administration | None = None,
    blocked: str = "",
) -> HttpResponse:
    now = clock.now()
    offer = prn_offer_for(prescription=rx, now=now) if rx.is_prn else None
    first = offered_again_for(dose) if dose is not None and dose.state == DueDose.State.PENDING else None
    late_offer = late_offer_for(dose, now=now) if dose is not None and not existing and not blocked else None
    context = {
        "form": form,
        "rx": rx,
        "medicine": rx.medicine,
        "person": person,
        "dose": dose,
        "existing": existing,
        "blocked": blocked,
        "offer": offer,
        "prompts": _prompt_rows(form, person, rx),
        "errors": _error_list(form),
        "outcomes": outcome_choices(person, offered_again=first is not None),
        "offered_again": first,
        **site_choices(rx, person.pk),
        "today": clock.to_local(now).date(),
        "allergy": allergy_statement(person.allergy_status, list(person.allergies.all())),
        "namesakes": namesake_warning(namesakes_of(person)),
        "place": room_words(room_of(person.room, person.location.kind)),
        "age": person.age_on(clock.to_local(now).date()),
        "last_dose": last_dose_of(person=person, medicine_id=rx.medicine_id),
        "window_minutes": int(rules.dose_window(rx.medicine.time_critical).total_seconds() // 60),
        "awaiting_check": awaiting_transcription_check(rx),
        "back": back,
        "back_url": back_url_for(back, person, prn=rx.is_prn),
        "reading_prompts": rules.READING_PROMPTS,
        "late": late_offer,
        "late_minutes": rules.minutes_late(dose.window_closes_at, now) if dose is not None else 0,
        "late_default_move": _default_move(form, late_offer),
        **_safety(request, rx, dose, now),
    }
    return render(request, "medication/record.html", context, status=status)


def _default_move(form: RecordDoseForm, offer: LateOffer | None) -> str:
    """The new time the page suggests for the next dose: what was typed, else ``rules.suggested_move`` (a little
    after the earliest allowed, so that it is still allowed when the form is saved)."""
    typed = form["move_next_to"].value() if form.is_bound else None
    if typed:
        return str(typed)
    return f"{offer.suggested_move:%H:%M}" if offer is not None and offer.suggested_move is not None else ""


def _safety(request: HttpRequest, rx: Prescription, dose: DueDose | None, now: dt.datetime) -> dict[str, Any]:
    """The allergy prompt's finding for this medicine, and what holds the dose now (ADR 0022, 0023): the same
    rules as the service (an undecided allergy finding; an ingredient's 24-hour maximum across products)."""
    offers = offer_facts([rx], now=now, allergies=allergy_facts_of([rx.person_id]))
    safety = offers.safety.get(rx.pk) or PrescriptionSafety(no_match="")
    facts = offers.facts(rx, prescription_facts(rx))
    ingredient = None
    if facts.capped and not rx.is_prn:  # a when-required dose says it in its own "not yet" banner
        ingredient = rules.ingredients.ingredient_refusal(
            contents=facts.capped, quantity=rx.dose_min, history=offers.doses_of(rx.person_id), at=now
        )
    may_decide = can(request.user, Action.DECIDE_ALLERGY_MATCH)
    return {
        "safety": safety,
        "decide_url": reverse("medication:prescription_allergy_decision", args=[rx.pk]) if may_decide else "",
        "ingredient_refusal": ingredient.message if ingredient is not None else "",
        # A dose set by the clinic's instructions (warfarin): that day's (ADR 0037).
        "dose_text": dose_on_day_text(
            rx, offers.day_dose(rx, dose.local_date if dose is not None else clock.to_local(now).date())
        ),
    }


# --- When each prompt was answered ----------------------------------------------------------
# With JavaScript, the page reports each tap (record.js posts the prompt and the answer); the server
# keeps its own time of the tap in the session, and the record stores it with the answer. Without
# JavaScript, or for a tap not reported, the answer is timed when the record is saved.


def _taps_key(dose: DueDose | None, rx: Prescription) -> str:
    return f"cb_prompt_taps:{'dose:' + str(dose.pk) if dose is not None else 'prn:' + str(rx.pk)}"


def _taps(request: HttpRequest, key: str) -> dict[str, tuple[str, dt.datetime]]:
    taps: dict[str, tuple[str, dt.datetime]] = {}
    for prompt, (result, at) in request.session.get(key, {}).items():
        taps[prompt] = (result, dt.datetime.fromisoformat(at))
    return taps


def _answer_tapped(request: HttpRequest, *, dose: DueDose | None, rx: Prescription) -> HttpResponse:
    prompt = request.POST.get("prompt", "")
    result = request.POST.get("result", "")
    if prompt not in rules.prompts_for(rx.effective_check):
        return HttpResponse("Not a check for this dose.", status=422, content_type="text/plain")
    if result not in ("confirmed", "failed", "skipped"):
        return HttpResponse("Not an answer: confirmed, failed or skipped.", status=422, content_type="text/plain")
    key = _taps_key(dose, rx)
    taps = request.session.get(key, {})
    taps[prompt] = [result, clock.now().isoformat()]
    request.session[key] = taps
    return HttpResponse(status=204)


@login_required
@never_cache
@require_POST
def record_dose_answer(request: AuthenticatedRequest, dose_id: str) -> HttpResponse:
    dose = access_due_dose_for_user(request.user, dose_id, Action.RECORD_ADMINISTRATION)
    return _answer_tapped(request, dose=dose, rx=dose.prescription)


@login_required
@never_cache
@require_POST
def give_prn_answer(request: AuthenticatedRequest, prescription_id: str) -> HttpResponse:
    rx = access_prescription_for_user(request.user, prescription_id, Action.RECORD_ADMINISTRATION)
    if not rx.is_prn:
        raise NotFound("No when-required prescription with that id.")
    return _answer_tapped(request, dose=None, rx=rx)


def _record_from_form(
    request: AuthenticatedRequest, form: RecordDoseForm, *, dose: DueDose | None, rx: Prescription
) -> tuple[Administration | None, int, DomainError | None]:
    """Call the service with the form's values; map a refusal onto the form."""
    data = form.cleaned_data
    now = clock.now()
    taps_key = _taps_key(dose, rx)
    offer = late_offer_for(dose, now=now) if dose is not None else None
    try:
        result = administration_record(
            by=request.user,
            outcome=data["outcome"],
            prompts=form.answers(_taps(request, taps_key)),
            due_dose=dose,
            prescription=None if dose is not None else rx,
            dose_given=data.get("dose_given"),
            administered_at=form.administered_at(now),
            reason=data.get("reason") or "",
            site=data.get("site") or "",
            old_patch=data.get("old_patch") or "",
            observations=data.get("observations") or "",
            prn_reason=data.get("prn_reason") or "",
            witness=form.witness(),
            late=form.late(offer.conflict.earliest_move if offer is not None else None),
            from_page=True,
        )
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        field = service_field(error.field, error.details, set(form.fields))
        form.add_error(None if field == "__all__" else field, error.message)
        return None, error.status, error
    request.session.pop(taps_key, None)
    return result.administration, 200, None


# --- Recording a due dose ------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def record_dose(request: AuthenticatedRequest, dose_id: str) -> HttpResponse:
    dose = access_due_dose_for_user(request.user, dose_id, Action.RECORD_ADMINISTRATION)
    rx = dose.prescription
    person = dose.person
    prompts = rules.prompts_for(rx.effective_check)
    back = back_from(request.POST if request.method == "POST" else request.GET)
    existing = effective_record_for(dose) if dose.state == DueDose.State.RECORDED else None
    blocked = _blocked_reason(rx, dose)

    if (asked := reading_check_data(request)) is not None:  # what the reading means, before saving anything
        form = quietly_bound(RecordDoseForm(asked, prompts=prompts))
        return _render_record(
            request, form=form, rx=rx, person=person, back=back, dose=dose, existing=existing, blocked=blocked
        )
    if request.method == "POST":
        form = RecordDoseForm(request.POST, prompts=prompts)
        if not form.is_valid():
            return _render_record(request, form=form, rx=rx, person=person, back=back, status=422, dose=dose)
        admin, status, error = _record_from_form(request, form, dose=dose, rx=rx)
        if admin is None:
            if isinstance(error, rules.AlreadyRecorded):
                existing = effective_record_for(dose)
            return _render_record(
                request,
                form=form,
                rx=rx,
                person=person,
                back=back,
                status=status,
                dose=dose,
                existing=existing,
                blocked=blocked,
            )
        messages.success(
            request, recorded_text(admin, medicine=rx.medicine, person_name=person.known_as, slot_at=dose.scheduled_at)
        )
        if outside := outside_limits_message(admin):
            messages.warning(request, outside)
        return redirect(back_url_for(back, person))

    if existing is None and not blocked:  # the prompts are on the page: store what was shown (ADR 0030)
        prompt_showing_open(user=request.user, prescription=rx, person=person, due_dose=dose)
    form = RecordDoseForm(prompts=prompts)
    return _render_record(
        request, form=form, rx=rx, person=person, back=back, dose=dose, existing=existing, blocked=blocked
    )


def _blocked_reason(rx: Prescription, dose: DueDose | None = None) -> str:
    """Why no dose can be recorded here (shown instead of the form), in the service's own words."""
    refusal = rules.nothing_recordable(prescription_facts(rx), slot=slot_facts(dose) if dose is not None else None)
    return refusal.message if refusal is not None else ""


# --- A when-required (PRN) dose ------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def give_prn(request: AuthenticatedRequest, prescription_id: str) -> HttpResponse:
    rx = access_prescription_for_user(request.user, prescription_id, Action.RECORD_ADMINISTRATION)
    if not rx.is_prn:
        raise NotFound("No when-required prescription with that id.")
    person = rx.person
    prompts = rules.prompts_for(rx.effective_check)
    back = {"back": "person"}
    blocked = _blocked_reason(rx)

    if (asked := reading_check_data(request)) is not None:  # what the reading means, before saving anything
        form = quietly_bound(RecordDoseForm(asked, prompts=prompts))
        return _render_record(request, form=form, rx=rx, person=person, back=back, blocked=blocked)
    if request.method == "POST":
        form = RecordDoseForm(request.POST, prompts=prompts)
        if not form.is_valid():
            return _render_record(request, form=form, rx=rx, person=person, back=back, status=422)
        admin, status, _error = _record_from_form(request, form, dose=None, rx=rx)
        if admin is None:
            return _render_record(request, form=form, rx=rx, person=person, back=back, status=status, blocked=blocked)
        messages.success(request, recorded_text(admin, medicine=rx.medicine, person_name=person.known_as, slot_at=None))
        if outside := outside_limits_message(admin):
            messages.warning(request, outside)
        return redirect(back_url_for(back, person, prn=True))

    if not blocked:  # the prompts are on the page: store what was shown (ADR 0030)
        prompt_showing_open(user=request.user, prescription=rx, person=person, due_dose=None)
    form = RecordDoseForm(prompts=prompts)
    return _render_record(request, form=form, rx=rx, person=person, back=back, blocked=blocked)


# --- Entered in error ----------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def administration_entered_in_error(request: AuthenticatedRequest, administration_id: str) -> HttpResponse:
    admin = access_administration_for_user(request.user, administration_id)
    already = admin.status == Administration.Status.ENTERED_IN_ERROR
    if not already and not can_correct(request.user, admin):
        raise PermissionDenied("Only the person who recorded it, or a senior, can mark a record entered in error.")
    status = 200
    form = EnteredInErrorForm(request.POST or None)
    if request.method == "POST" and not already:
        if form.is_valid():
            try:
                administration_mark_entered_in_error(
                    administration=admin,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except (NotFound, PermissionDenied):
                raise
            except DomainError as error:
                form.add_error(service_field(error.field, error.details, {"reason"}), error.message)
                status = error.status
            else:
                again = " The dose can now be recorded again." if admin.due_dose_id else ""
                messages.success(
                    request,
                    f"Marked as entered in error: {admin.prescription.medicine} for {admin.person.known_as}.{again}",
                )
                return redirect(reverse("people:person", args=[admin.person_id]))
        else:
            status = 422
    elif request.method == "POST":
        status = 409
    return render(
        request,
        "medication/correction.html",
        {
            "admin": admin,
            "form": form,
            "errors": _error_list(form),
            "already": already,
            "person": admin.person,
            "dose_given_text": _dose_given_text(admin),
            "readings": readings_of(admin.prompt_answers.all(), admin.prescription),
        },
        status=status,
    )


# --- PRN follow-up -------------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def prn_follow_up(request: AuthenticatedRequest, administration_id: str) -> HttpResponse:
    admin = access_administration_for_user(request.user, administration_id, Action.RECORD_ADMINISTRATION)
    status = 200
    form = FollowUpForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                prn_follow_up_record(
                    administration=admin,
                    by=request.user,
                    effect=form.cleaned_data["effect"],
                    note=form.cleaned_data.get("note") or "",
                )
            except (NotFound, PermissionDenied):
                raise
            except DomainError as error:
                field = error.field if error.field in ("effect", "note") else None
                form.add_error(field, error.message)
                status = error.status
            else:
                messages.success(
                    request, f"Recorded the effect of {admin.prescription.medicine} for {admin.person.known_as}"
                )
                return redirect(reverse("people:person", args=[admin.person_id]))
        else:
            status = 422
    return render(
        request,
        "medication/follow_up.html",
        {
            "admin": admin,
            "form": form,
            "errors": _error_list(form),
            "person": admin.person,
            "dose_given_text": _dose_given_text(admin),
            "readings": readings_of(admin.prompt_answers.all(), admin.prescription),
            "effects": form.fields["effect"].choices,  # type: ignore[attr-defined]
        },
        status=status,
    )


def _dose_given_text(admin: Administration) -> str:
    return f"{quantity_text(admin.dose_given)} {admin.dose_unit}".strip()


urlpatterns: list[URLPattern] = [
    path("doses/<str:dose_id>/record/", record_dose, name="record_dose"),
    path("doses/<str:dose_id>/record/answer/", record_dose_answer, name="record_dose_answer"),
    path("prescriptions/<str:prescription_id>/give/", give_prn, name="give_prn"),
    path("prescriptions/<str:prescription_id>/give/answer/", give_prn_answer, name="give_prn_answer"),
    path(
        "administrations/<str:administration_id>/entered-in-error/",
        administration_entered_in_error,
        name="administration_entered_in_error",
    ),
    path("administrations/<str:administration_id>/follow-up/", prn_follow_up, name="prn_follow_up"),
]
