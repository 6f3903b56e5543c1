"""A person's medication page: who they are, their prescriptions, today's doses, recent records, PRN offer."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET

from carebook.access.http import AuthenticatedRequest
from carebook.access.policy import Action, can
from carebook.core import clock
from carebook.medication.selectors.late import recent_late_decisions
from carebook.medication.selectors.person import RECENT_DAYS, person_page
from carebook.people.access import access_person_for_user


@login_required
@require_GET
def person_detail(request: AuthenticatedRequest, person_id: str) -> HttpResponse:
    person = access_person_for_user(request.user, person_id)
    now = clock.now()
    page = person_page(person=person, user=request.user, now=now)
    return render(
        request,
        "medication/person.html",
        {
            "page": page,
            "person": person,
            "can_record": can(request.user, Action.RECORD_ADMINISTRATION),
            "can_manage_prescriptions": can(request.user, Action.MANAGE_PRESCRIPTIONS),
            "record_query": "?back=person",
            # Late doses and the next dose (ADR 0013): one self-contained block of the page.
            "late_decisions": recent_late_decisions(person=person, now=now, days=RECENT_DAYS),
        },
    )


urlpatterns: list[URLPattern] = [
    path("people/<str:person_id>/", person_detail, name="person"),
]
