"""The allergy pages: a person's allergies (current and corrected), recording an allergy or "no known allergies",
and correcting a wrong record (entered in error or refuted: never edited, never deleted).

Thin adapters: fetch the person through the access function (scope; the role for the action), call the people
services, render. Who and when come from the session and the server clock.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET, require_http_methods

from carebook.access.http import AuthenticatedRequest
from carebook.access.policy import Action, can
from carebook.core.errors import DomainError, NotFound, PermissionDenied
from carebook.core.limits import SHORT_TEXT_MAX, TEXT_MAX
from carebook.people.access import access_person_for_user
from carebook.people.allergies import allergy_statement
from carebook.people.models import Allergy, Person
from carebook.people.services import allergy_correct, allergy_record, allergy_status_none_known
from carebook.people.vocab import AllergyCorrectionKind, AllergyKind
from carebook.substances.models import AllergenClass, Substance

OTHER = "other"


class AllergyForm(forms.Form):
    """The shape of what was chosen or typed; the service decides the rest."""

    allergen = forms.CharField(required=False, max_length=80)  # "substance:<code>", "class:<code>" or "other"
    allergen_text = forms.CharField(required=False, max_length=SHORT_TEXT_MAX)
    reaction = forms.CharField(required=False, max_length=SHORT_TEXT_MAX)
    severity = forms.ChoiceField(
        choices=Allergy.Severity.choices, error_messages={"required": "Choose how severe the reaction was."}
    )
    kind = forms.ChoiceField(
        choices=AllergyKind.choices, error_messages={"required": "Say whether it is an allergy or an intolerance."}
    )

    def allergen_parts(self) -> dict[str, str]:
        chosen = self.cleaned_data.get("allergen") or ""
        typed = self.cleaned_data.get("allergen_text") or ""
        kind, _, code = chosen.partition(":")
        if kind == "substance":
            return {"substance_code": code, "name": ""}
        if kind == "class":
            return {"class_code": code, "name": ""}
        return {"name": typed}


class NoKnownAllergiesForm(forms.Form):
    note = forms.CharField(required=False, max_length=TEXT_MAX)
    confirm = forms.BooleanField(
        error_messages={"required": "Confirm that you have checked: no known allergies is a clinical statement."}
    )


class CorrectionForm(forms.Form):
    kind = forms.ChoiceField(
        choices=AllergyCorrectionKind.choices,
        error_messages={"required": "Choose entered in error or refuted.", "invalid_choice": "Choose from the list."},
    )
    reason = forms.CharField(
        max_length=TEXT_MAX,
        error_messages={"required": "Say why, for example: recorded for the wrong person."},
    )


def _errors(form: forms.Form) -> dict[str, str]:
    return {name: str(errs[0]) for name, errs in form.errors.items()}


def _error_list(errors: dict[str, str], anchors: dict[str, str]) -> list[tuple[str, str]]:
    return [(f"#{anchors.get(name, 'maincontent')}", message) for name, message in errors.items()]


def _service_errors(error: DomainError, known: set[str]) -> dict[str, str]:
    if isinstance(error, (NotFound, PermissionDenied)):
        raise error
    field = (error.field or "").split(".")[0]
    return {field if field in known else "__all__": error.message}


def _page_context(request: HttpRequest, person: Person) -> dict[str, Any]:
    rows = list(
        Allergy.objects.filter(person=person)
        .select_related("recorded_by", "coded_substance", "coded_class", "correction__by")
        .order_by("status", "substance", "recorded_at")
    )
    current = [a for a in rows if a.is_active]
    return {
        "person": person,
        "allergy": allergy_statement(person.allergy_status, current),
        "current": current,
        "corrected": [a for a in rows if not a.is_active],
        "statements": list(person.allergy_status_records.select_related("by").order_by("-at", "-id")),
        "may_record": can(request.user, Action.RECORD_ALLERGIES),
    }


@login_required
@require_GET
def person_allergies(request: AuthenticatedRequest, person_id: str) -> HttpResponse:
    """Everything recorded about the person's allergies: current, corrected (with who, when, why) and statements."""
    person = access_person_for_user(request.user, person_id)
    return render(request, "people/allergies_page.html", _page_context(request, person))


ALLERGY_ANCHORS = {
    "allergen": "allergen",
    "allergen_text": "allergen_text",
    "reaction": "reaction",
    "severity": "severity-mild",
    "kind": "kind-allergy",
}


@login_required
@require_http_methods(["GET", "POST"])
def allergy_new(request: AuthenticatedRequest, person_id: str) -> HttpResponse:
    person = access_person_for_user(request.user, person_id, Action.RECORD_ALLERGIES)
    form = AllergyForm(request.POST or None, initial={"severity": "", "kind": AllergyKind.ALLERGY})
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                allergy = allergy_record(
                    person=person,
                    by=request.user,
                    reaction=form.cleaned_data["reaction"],
                    severity=form.cleaned_data["severity"],
                    kind=form.cleaned_data["kind"],
                    **form.allergen_parts(),
                )
            except DomainError as error:
                errors, status = _service_errors(error, set(ALLERGY_ANCHORS)), error.status
            else:
                coded = "" if allergy.coded else " It is not in Carebook's list, so it is matched by name only."
                messages.success(request, f"Recorded for {person.full_name}: {allergy.substance}.{coded}")
                return redirect("people:allergies", person_id=person.pk)
        else:
            errors, status = _errors(form), 422
    context = {
        "person": person,
        "form": form,
        "errors": errors,
        "error_list": _error_list(errors, ALLERGY_ANCHORS),
        "classes": AllergenClass.objects.order_by("name"),
        "substances": Substance.objects.order_by("name"),
        "severities": Allergy.Severity.choices,
        "kinds": AllergyKind.choices,
        "chosen": form["allergen"].value() or "",
    }
    return render(request, "people/allergy_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def allergies_none_known(request: AuthenticatedRequest, person_id: str) -> HttpResponse:
    person = access_person_for_user(request.user, person_id, Action.RECORD_ALLERGIES)
    form = NoKnownAllergiesForm(request.POST or None)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                allergy_status_none_known(person=person, by=request.user, note=form.cleaned_data["note"])
            except DomainError as error:
                errors, status = _service_errors(error, {"note", "confirm"}), error.status
            else:
                messages.success(request, f"Recorded: {person.full_name} has no known allergies.")
                return redirect("people:allergies", person_id=person.pk)
        else:
            errors, status = _errors(form), 422
    context = {
        "person": person,
        "form": form,
        "errors": errors,
        "error_list": _error_list(errors, {"note": "note", "confirm": "confirm"}),
        "allergy": allergy_statement(person.allergy_status, list(person.allergies.all())),
    }
    return render(request, "people/allergies_none_known.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def allergy_correction(request: AuthenticatedRequest, person_id: str, allergy_id: str) -> HttpResponse:
    person = access_person_for_user(request.user, person_id, Action.RECORD_ALLERGIES)
    allergy = (
        Allergy.objects.filter(
            person=person, pk=int(allergy_id) if allergy_id.isdigit() and len(allergy_id) < 12 else 0
        )
        .select_related("recorded_by", "correction__by")
        .first()
    )
    if allergy is None:
        raise NotFound("No allergy with that id.")
    form = CorrectionForm(request.POST or None)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST" and allergy.is_active:
        if form.is_valid():
            try:
                allergy_correct(
                    allergy=allergy, by=request.user, kind=form.cleaned_data["kind"], reason=form.cleaned_data["reason"]
                )
            except DomainError as error:
                errors, status = _service_errors(error, {"kind", "reason"}), error.status
            else:
                how = "entered in error" if form.cleaned_data["kind"] == "entered_in_error" else "refuted"
                messages.success(request, f"Marked {allergy.substance} as {how}. The record stays visible.")
                return redirect("people:allergies", person_id=person.pk)
        else:
            errors, status = _errors(form), 422
    elif request.method == "POST":
        status = 409
    context = {
        "person": person,
        "item": allergy,
        "form": form,
        "errors": errors,
        "error_list": _error_list(errors, {"kind": "kind-entered_in_error", "reason": "reason"}),
        "kinds": AllergyCorrectionKind.choices,
    }
    return render(request, "people/allergy_correction.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path("people/<str:person_id>/allergies/", person_allergies, name="allergies"),
    path("people/<str:person_id>/allergies/new/", allergy_new, name="allergy_new"),
    path("people/<str:person_id>/allergies/none-known/", allergies_none_known, name="allergies_none_known"),
    path("people/<str:person_id>/allergies/<str:allergy_id>/correct/", allergy_correction, name="allergy_correct"),
]
