"""Prescription pages: enter, view (versions, events), change, suspend, resume, discontinue, check.

Thin adapters: parse the form, fetch through an access function, call a
service, render. The services hold the rules (roles, statuses, validation,
the second-person check) and write the audit events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods

from carebook.access.http import AuthenticatedRequest
from carebook.access.policy import Action, can, require
from carebook.core import clock
from carebook.core.errors import DomainError, NotFound, PermissionDenied
from carebook.core.web import form_errors_from
from carebook.medication import rules
from carebook.medication.access import access_prescription_for_user
from carebook.medication.facts import sent_back
from carebook.medication.forms import (
    COMMON_ROUTES,
    DAYS,
    FIELD_ANCHORS,
    KNOWN_FIELDS,
    PrescriptionForm,
    ReasonForm,
    SendBackForm,
    TranscriptionCheckForm,
)
from carebook.medication.models import Prescription, RequiredCheck, ScheduleKind, Source
from carebook.medication.selectors import prescriptions as selectors
from carebook.medication.selectors.dosing import dosing_panel
from carebook.medication.services import prescriptions as services
from carebook.medication.views.prescription_review import Review, entry_review, review_context, safety_context
from carebook.medication.views.reading_limits import reading_limits_context
from carebook.medication.wording import course_text
from carebook.people.access import access_person_for_user
from carebook.people.models import Person


def _user_errors(error: DomainError) -> dict[str, str]:
    """A service's refusal, placed beside its field. Role and scope refusals are not form errors."""
    if isinstance(error, (PermissionDenied, NotFound)):
        raise error
    return form_errors_from(error, KNOWN_FIELDS)


def _error_list(errors: dict[str, str]) -> list[tuple[str, str]]:
    """The error summary, in the order of the page, each linking to its field."""
    listed = [(f"#{anchor}", errors[name]) for name, anchor in FIELD_ANCHORS if name in errors]
    if "__all__" in errors:
        listed.insert(0, ("#maincontent", errors["__all__"]))
    return listed


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- Medicine search -----------------------------------------------------------------------


@login_required
@require_GET
def medicine_search(request: AuthenticatedRequest) -> HttpResponse:
    """Matching medicines as radio options (htmx); without htmx, a page listing them."""
    require(request.user, Action.VIEW_PRESCRIPTIONS)
    search = selectors.medicine_search(request.GET.get("q", ""), keep_id=request.GET.get("medicine_id"))
    context = {"search": search, "selected_id": str(search.selected.pk) if search.selected else ""}
    template = "medication/medicine_search_results.html" if _is_htmx(request) else "medication/medicine_search.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- Enter and change ---------------------------------------------------------------------------


def _form_page(
    request: HttpRequest,
    *,
    person: Person,
    form: PrescriptionForm,
    errors: dict[str, str],
    prescription: Prescription | None = None,
    reason: str = "",
    status: int = 200,
    review: Review | None = None,
) -> HttpResponse:
    chosen = form["medicine_id"].value()
    search = selectors.medicine_search(request.GET.get("q", "") if request.method == "GET" else "", keep_id=chosen)
    context: dict[str, Any] = {
        "person": person,
        "form": form,
        "errors": errors,
        "error_list": _error_list(errors),
        "search": search,
        "selected_id": str(search.selected.pk) if search.selected else "",
        "unit": search.selected.dose_unit if search.selected else "",
        "prescription": prescription,
        "reason": reason,
        "days": DAYS,
        "routes": COMMON_ROUTES,
        "schedule_kinds": ScheduleKind.choices,
        "checks": RequiredCheck.choices,
        **reading_limits_context(form, errors),
        "sources": Source.choices,
        "chosen_days": form.chosen_days,
        "title": f"Change {prescription.medicine}" if prescription else "Add a prescription",
        **review_context(review, person),  # allergy matches and shared ingredients, before saving (ADR 0022, 0023)
    }
    return render(request, "medication/prescription_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def prescription_new(request: AuthenticatedRequest, person_id: str) -> HttpResponse:
    person = access_person_for_user(request.user, person_id, Action.MANAGE_PRESCRIPTIONS)
    if request.method == "GET":
        form = PrescriptionForm(initial=PrescriptionForm.initial_for_new(clock.today()))
        return _form_page(request, person=person, form=form, errors={})
    form = PrescriptionForm(request.POST)
    if not form.is_valid():
        return _form_page(request, person=person, form=form, errors=form.error_dict(), status=422)
    review = entry_review(request, person=person, medicine_id=form.to_input().medicine_id)
    if review.stop:
        return _form_page(request, person=person, form=form, errors=review.errors, status=422, review=review)
    try:
        prescription = services.prescription_create(
            person=person,
            by=request.user,
            data=form.to_input(),  # type: ignore[arg-type]
            allergy_reason=review.allergy_reason,
        )
    except DomainError as error:
        errors = _user_errors(error)
        return _form_page(request, person=person, form=form, errors=errors, status=error.status, review=review)
    course = course_text(prescription)
    messages.success(
        request,
        f"{prescription.medicine} added for {person.full_name}. "
        + (f"{course}. " if course else "")
        + "A second trained member of staff must check it against the prescriber's directions before the first dose.",
    )
    return redirect("medication:prescription", prescription_id=prescription.pk)


@login_required
@require_http_methods(["GET", "POST"])
def prescription_change(request: AuthenticatedRequest, prescription_id: str) -> HttpResponse:
    old = access_prescription_for_user(request.user, prescription_id, Action.MANAGE_PRESCRIPTIONS)
    if request.method == "GET" and not rules.lifecycle_allows(rules.Change.CHANGE, old.status):
        messages.info(request, f"This version is {old.get_status_display().lower()}, so it cannot be changed.")
        return redirect("medication:prescription", prescription_id=old.pk)
    if request.method == "GET":
        form = PrescriptionForm(initial=PrescriptionForm.initial_from(old, clock.today()))
        return _form_page(request, person=old.person, form=form, errors={}, prescription=old)
    form = PrescriptionForm(request.POST)
    reason_form = ReasonForm(request.POST)
    reason = request.POST.get("reason", "")
    if not form.is_valid() or not reason_form.is_valid():
        errors = form.error_dict() if not form.is_valid() else {}
        if not reason_form.is_valid():
            errors["reason"] = str(reason_form.errors["reason"][0])
        return _form_page(
            request, person=old.person, form=form, errors=errors, prescription=old, reason=reason, status=422
        )
    review = entry_review(request, person=old.person, medicine_id=form.to_input().medicine_id, replaces=old)
    if review.stop:
        return _form_page(
            request,
            person=old.person,
            form=form,
            errors=review.errors,
            prescription=old,
            reason=reason,
            status=422,
            review=review,
        )
    try:
        new = services.prescription_change(
            prescription=old,
            by=request.user,
            data=form.to_input(),
            reason=reason_form.cleaned_data["reason"],
            allergy_reason=review.allergy_reason,
        )
    except DomainError as error:
        return _form_page(
            request,
            person=old.person,
            form=form,
            errors=_user_errors(error),
            prescription=old,
            reason=reason,
            status=error.status,
            review=review,
        )
    course = course_text(new)
    messages.success(
        request,
        "The prescription was changed: this is the new version. The earlier version stays in the history. "
        + (f"{course}. " if course else "")
        + "A second trained member of staff must check the new version before its first dose.",
    )
    return redirect("medication:prescription", prescription_id=new.pk)


# --- The prescription page ----------------------------------------------------------------------


@login_required
@require_GET
def prescription_detail(request: AuthenticatedRequest, prescription_id: str) -> HttpResponse:
    prescription = access_prescription_for_user(request.user, prescription_id)
    history = selectors.prescription_history(prescription)
    check = history.checks.get(prescription.pk)
    context = {
        "prescription": prescription,
        "person": prescription.person,
        "details": selectors.prescription_details(prescription),
        "flags": selectors.medicine_flags(prescription.medicine),
        "check": check,
        "actions": selectors.prescription_actions(request.user, prescription, checked=check is not None),
        "history": history,
        "current": history.current,
        "is_current": history.current.pk == prescription.pk,
        "this_version": next(v for v in history.versions if v.is_viewed),
        # Warfarin and other doses set by a clinic: its instructions, today's dose, the next test (ADR 0037).
        "dosing": dosing_panel(prescription, request.user, today=clock.to_local(clock.now()).date())
        if prescription.dose_from_instructions
        else None,
        **safety_context(request, prescription),
    }
    return render(request, "medication/prescription.html", context)


# --- Suspend, resume, discontinue ---------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    service: Callable[..., Prescription]
    title: str
    button: str
    hint: str
    done: str


LIFECYCLE = {
    "suspend": Step(
        service=services.prescription_suspend,
        title="Suspend",
        button="Suspend this prescription",
        hint="For example: GP asked to hold it while blood pressure is low. Its doses leave the round at once.",
        done="The prescription is suspended: its doses have left the round.",
    ),
    "resume": Step(
        service=services.prescription_resume,
        title="Resume",
        button="Resume this prescription",
        hint="For example: GP advised to restart it today. Its doses return to the round from now.",
        done="The prescription is active again: its doses are back on the round.",
    ),
    "discontinue": Step(
        service=services.prescription_discontinue,
        title="Stop",
        button="Discontinue this prescription",
        hint="For example: stopped by the GP at the medication review. Its doses leave the round at once.",
        done="The prescription is discontinued: its doses have left the round.",
    ),
}


def _lifecycle(request: AuthenticatedRequest, prescription_id: str, action: str) -> HttpResponse:
    prescription = access_prescription_for_user(request.user, prescription_id, Action.MANAGE_PRESCRIPTIONS)
    step = LIFECYCLE[action]
    check = selectors.transcription_check_of(prescription)
    allowed = getattr(selectors.prescription_actions(request.user, prescription, checked=check is not None), action)
    errors: dict[str, str] = {}
    reason = ""
    status = 200
    if request.method == "POST":
        form = ReasonForm(request.POST)
        reason = request.POST.get("reason", "")
        if form.is_valid():
            try:
                step.service(prescription=prescription, by=request.user, reason=form.cleaned_data["reason"])
            except DomainError as error:
                errors, status = _user_errors(error), error.status
            else:
                messages.success(request, step.done)
                return redirect("medication:prescription", prescription_id=prescription.pk)
        else:
            errors, status = {"reason": str(form.errors["reason"][0])}, 422
    context = {
        "prescription": prescription,
        "person": prescription.person,
        "details": selectors.prescription_details(prescription),
        "action": action,
        "allowed": allowed,
        "step": step,
        "reason": reason,
        "errors": errors,
        "error_list": _error_list(errors),
    }
    return render(request, "medication/prescription_lifecycle.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def prescription_suspend(request: AuthenticatedRequest, prescription_id: str) -> HttpResponse:
    return _lifecycle(request, prescription_id, "suspend")


@login_required
@require_http_methods(["GET", "POST"])
def prescription_resume(request: AuthenticatedRequest, prescription_id: str) -> HttpResponse:
    return _lifecycle(request, prescription_id, "resume")


@login_required
@require_http_methods(["GET", "POST"])
def prescription_discontinue(request: AuthenticatedRequest, prescription_id: str) -> HttpResponse:
    return _lifecycle(request, prescription_id, "discontinue")


# --- The transcription check --------------------------------------------------------------------


def _check_page(
    request: AuthenticatedRequest,
    prescription: Prescription,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
    **values: str,
) -> HttpResponse:
    errors = errors or {}
    back = sent_back(prescription)
    context = {
        "prescription": prescription,
        "person": prescription.person,
        "details": [d for d in selectors.prescription_details(prescription) if d.key != "directions"],
        "flags": selectors.medicine_flags(prescription.medicine),
        "entered_by_viewer": prescription.entered_by_id == request.user.pk,
        "who_must_check": selectors.who_must_check(request.user, prescription),
        "sent_back": back,
        "note": values.get("note", ""),
        "verdict": values.get("verdict", ""),
        "send_back_reason": values.get("send_back_reason", ""),
        "errors": errors,
        "error_list": _error_list(errors),
        **safety_context(request, prescription),
    }
    return render(request, "medication/prescription_check.html", context, status=status)


def _not_checkable(request: AuthenticatedRequest, prescription: Prescription) -> HttpResponse | None:
    """Where the check page has nothing to offer: already checked, closed, or rejected (told on the page)."""
    check = selectors.transcription_check_of(prescription)
    if check is not None:
        messages.info(request, f"This prescription was already checked by {check.checked_by.display_name}.")
    elif not selectors.awaiting_check(prescription, checked=False):
        messages.info(request, f"This version is {prescription.get_status_display().lower()}: it is not checked.")
    elif selectors.prescription_actions(request.user, prescription, checked=False).rejected:
        messages.info(request, "This entry was rejected: it is checked once corrected as a new version.")
    else:
        return None
    return redirect("medication:prescription", prescription_id=prescription.pk)


@login_required
@require_http_methods(["GET", "POST"])
def prescription_check(request: AuthenticatedRequest, prescription_id: str) -> HttpResponse:
    prescription = access_prescription_for_user(request.user, prescription_id, Action.CHECK_TRANSCRIPTION)
    if request.method == "GET" or selectors.transcription_check_of(prescription) is not None:
        elsewhere = _not_checkable(request, prescription)
        if elsewhere is not None:
            return elsewhere
    if request.method == "GET":
        return _check_page(request, prescription)
    form = TranscriptionCheckForm(request.POST)
    note = request.POST.get("note", "")
    if not form.is_valid():
        errors = {name: str(errs[0]) for name, errs in form.errors.items()}
        return _check_page(request, prescription, errors=errors, status=422, note=note)
    try:
        services.prescription_check_transcription(
            prescription=prescription, by=request.user, note=form.cleaned_data["note"]
        )
    except DomainError as error:
        return _check_page(request, prescription, errors=_user_errors(error), status=error.status, note=note)
    messages.success(request, "Transcription check recorded. The first dose can now be given.")
    return redirect("medication:prescription", prescription_id=prescription.pk)


@login_required
@require_http_methods(["GET", "POST"])
def prescription_send_back(request: AuthenticatedRequest, prescription_id: str) -> HttpResponse:
    """The checker queries or rejects the entry, with what does not match (H07). Its form is on the check page."""
    prescription = access_prescription_for_user(request.user, prescription_id, Action.CHECK_TRANSCRIPTION)
    if request.method == "GET":
        return redirect(reverse("medication:prescription_check", args=[prescription.pk]) + "#send-back")
    form = SendBackForm(request.POST)
    values = {"verdict": request.POST.get("verdict", ""), "send_back_reason": request.POST.get("send_back_reason", "")}
    if not form.is_valid():
        errors = {name: str(errs[0]) for name, errs in form.errors.items()}
        return _check_page(request, prescription, errors=errors, status=422, **values)
    try:
        event = services.prescription_send_back(
            prescription=prescription,
            by=request.user,
            verdict=form.cleaned_data["verdict"],
            reason=form.cleaned_data["send_back_reason"],
        )
    except DomainError as error:
        return _check_page(request, prescription, errors=_user_errors(error), status=error.status, **values)
    messages.success(
        request,
        f"{event.get_kind_display()}: sent back to {prescription.entered_by.display_name}, with your reason. "
        "It stays unchecked and no dose can be given.",
    )
    return redirect("medication:prescription", prescription_id=prescription.pk)


# --- A person's prescriptions -------------------------------------------------------------------


@login_required
@require_GET
def person_prescriptions(request: AuthenticatedRequest, person_id: str) -> HttpResponse:
    person = access_person_for_user(request.user, person_id, Action.VIEW_PRESCRIPTIONS)
    context = {
        "person": person,
        "groups": selectors.person_prescription_groups(person),
        "may_add": can(request.user, Action.MANAGE_PRESCRIPTIONS),
    }
    return render(request, "medication/prescriptions_person.html", context)


urlpatterns: list[URLPattern] = [
    path("medicines/search/", medicine_search, name="medicine_search"),
    path("people/<str:person_id>/prescriptions/", person_prescriptions, name="person_prescriptions"),
    path("people/<str:person_id>/prescriptions/new/", prescription_new, name="prescription_new"),
    path("prescriptions/<str:prescription_id>/", prescription_detail, name="prescription"),
    path("prescriptions/<str:prescription_id>/change/", prescription_change, name="prescription_change"),
    path("prescriptions/<str:prescription_id>/suspend/", prescription_suspend, name="prescription_suspend"),
    path("prescriptions/<str:prescription_id>/resume/", prescription_resume, name="prescription_resume"),
    path("prescriptions/<str:prescription_id>/discontinue/", prescription_discontinue, name="prescription_discontinue"),
    path("prescriptions/<str:prescription_id>/check/", prescription_check, name="prescription_check"),
    path("prescriptions/<str:prescription_id>/send-back/", prescription_send_back, name="prescription_send_back"),
]
