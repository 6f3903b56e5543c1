"""The senior's decision page: go on with a prescription that matches one of the person's allergies (ADR 0022).

Thin adapter: fetch through the access function (seniors only, in scope), show the findings that hold the doses,
call the service with the reason, redirect to the prescription.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_http_methods

from carebook.access.http import AuthenticatedRequest
from carebook.access.policy import Action
from carebook.core.errors import DomainError, NotFound, PermissionDenied
from carebook.medication.access import access_prescription_for_user
from carebook.medication.services.allergies import allergy_decision_record
from carebook.medication.views.prescription_review import safety_context


@login_required
@require_http_methods(["GET", "POST"])
def prescription_allergy_decision(request: AuthenticatedRequest, prescription_id: str) -> HttpResponse:
    prescription = access_prescription_for_user(request.user, prescription_id, Action.DECIDE_ALLERGY_MATCH)
    errors: dict[str, str] = {}
    reason = ""
    status = 200
    if request.method == "POST":
        reason = request.POST.get("allergy_reason", "")
        try:
            allergy_decision_record(prescription=prescription, by=request.user, reason=reason)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as error:
            key = "allergy_reason" if error.field == "allergy_reason" else "__all__"
            errors, status = {key: error.message}, error.status
        else:
            messages.success(
                request,
                f"Your decision is recorded. Doses of {prescription.medicine} for {prescription.person.full_name} can "
                "now be given.",
            )
            return redirect("medication:prescription", prescription_id=prescription.pk)
    context = {
        "prescription": prescription,
        "person": prescription.person,
        "reason": reason,
        "errors": errors,
        "error_list": [("#allergy_reason" if k == "allergy_reason" else "#maincontent", v) for k, v in errors.items()],
        **safety_context(request, prescription),
    }
    return render(request, "medication/prescription_allergy_decision.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path(
        "prescriptions/<str:prescription_id>/allergy-decision/",
        prescription_allergy_decision,
        name="prescription_allergy_decision",
    ),
]
