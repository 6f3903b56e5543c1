"""The page to change a person's NHS number: seniors only (the policy table), audited, the old value kept."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from carebook.access.http import AuthenticatedRequest
from carebook.access.policy import Action
from carebook.core.errors import DomainError, NotFound, PermissionDenied
from carebook.core.limits import TEXT_MAX
from carebook.core.text import nhs_number_display
from carebook.core.web import form_errors_from
from carebook.people.access import access_person_for_user
from carebook.people.identity import person_key_safe_note_set, person_nhs_number_change
from carebook.people.nhs_numbers import nhs_number_problem


class NhsNumberForm(forms.Form):
    """The shape only (a short text); the service reads and checks the number."""

    nhs_number = forms.CharField(
        required=False,
        max_length=30,
        strip=True,
        error_messages={"max_length": "This is not a valid NHS number: it must be 10 digits."},
    )
    reason = forms.CharField(
        required=False,
        max_length=TEXT_MAX,
        error_messages={"max_length": f"The reason must be {TEXT_MAX:,} characters or fewer."},
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def person_nhs_number(request: AuthenticatedRequest, person_id: str) -> HttpResponse:
    person = access_person_for_user(request.user, person_id, Action.EDIT_PERSON_DETAILS)
    current = nhs_number_display(person.nhs_number)
    status = 200
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = NhsNumberForm(request.POST)
        if form.is_valid():
            try:
                person_nhs_number_change(
                    person=person,
                    by=request.user,
                    nhs_number=form.cleaned_data["nhs_number"],
                    reason=form.cleaned_data["reason"],
                )
            except (NotFound, PermissionDenied):
                raise
            except DomainError as error:
                errors = form_errors_from(error, {"nhs_number", "reason"})
                status = error.status
            else:
                shown = nhs_number_display(person.nhs_number) or "not recorded"
                messages.success(request, f"NHS number of {person.full_name} is now {shown}.")
                return redirect(reverse("people:person", args=[person.pk]))
        else:
            errors = {name: str(messages_[0]) for name, messages_ in form.errors.items()}
            status = 422
    else:
        form = NhsNumberForm(initial={"nhs_number": current})
    anchors = {"nhs_number": "nhs_number", "reason": "reason", "__all__": "nhs_number"}
    return render(
        request,
        "people/nhs_number.html",
        {
            "person": person,
            "form": form,
            "current": current,
            "current_problem": nhs_number_problem(person.nhs_number),
            "errors": errors,
            "error_list": [(anchors.get(name, "nhs_number"), message) for name, message in errors.items()],
        },
        status=status,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def person_key_safe(request: AuthenticatedRequest, person_id: str) -> HttpResponse:
    """The key-safe note of someone supported at home: seniors set it; the visit's care worker sees it."""
    person = access_person_for_user(request.user, person_id, Action.EDIT_PERSON_DETAILS)
    if person.location.kind != "home_care":
        raise NotFound("A key-safe note is for someone supported at home.")
    error, status, value = "", 200, person.key_safe_note
    if request.method == "POST":
        value = request.POST.get("key_safe_note", "")
        try:
            person_key_safe_note_set(person=person, by=request.user, note=value)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as failure:
            error, status = failure.message, failure.status
        else:
            messages.success(
                request, f"Getting in: saved for {person.full_name}. Only the visiting care worker sees it."
            )
            return redirect(reverse("people:person", args=[person.pk]))
    context = {"person": person, "value": value, "error": error, "error_summary": [("#key_safe_note", error)]}
    return render(request, "people/key_safe.html", context, status=status)
