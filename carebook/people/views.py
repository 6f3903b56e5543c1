"""The people pages: the list, the person's page (a hub other apps add panels to), the identifying picture."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from carebook.access.http import AuthenticatedRequest
from carebook.access.policy import Action, can
from carebook.core import clock
from carebook.core.text import nhs_number_display
from carebook.people.access import access_person_for_user, people_for_user
from carebook.people.allergies import allergy_statement
from carebook.people.nhs_numbers import nhs_number_problem
from carebook.people.panels import person_panels
from carebook.people.whereabouts import places_for


@login_required
@require_GET
def people_list(request: AuthenticatedRequest) -> HttpResponse:
    """Everyone the member of staff may see, by location and unit."""
    people = list(
        people_for_user(request.user)
        .select_related("location", "unit")
        .order_by("location__name", "unit__name", "family_name", "given_name")
    )
    places = places_for(request.user, people, clock.today())
    return render(request, "people/list.html", {"rows": [(person, places[person.pk]) for person in people]})


@login_required
@require_GET
def person_detail(request: AuthenticatedRequest, person_id: str) -> HttpResponse:
    """Who the person is (picture, names, NHS number, where, preferences, allergies), then each app's panel."""
    person = access_person_for_user(request.user, person_id)
    panels = person_panels(request, person)
    return render(
        request,
        "people/person.html",
        {
            "person": person,
            "place": places_for(request.user, [person], clock.today())[person.pk],
            "age": person.age_on(clock.today()),
            "nhs_number": nhs_number_display(person.nhs_number),
            "nhs_number_problem": nhs_number_problem(person.nhs_number),
            "can_edit_details": can(request.user, Action.EDIT_PERSON_DETAILS),
            "allergy": allergy_statement(person.allergy_status, list(person.allergies.all())),
            "panels": panels,
            "links": [link for panel in panels for link in panel.links],
            "may_record_allergies": can(request.user, Action.RECORD_ALLERGIES),
        },
    )


@login_required
@require_GET
@cache_control(private=True, max_age=300)
def person_picture(request: AuthenticatedRequest, person_id: str) -> HttpResponse:
    """The identifying picture, served only to staff who may see the person (never a public URL)."""
    person = access_person_for_user(request.user, person_id)
    response = HttpResponse(person.picture_svg or _blank_picture(person.known_as), content_type="image/svg+xml")
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


def _blank_picture(name: str) -> str:
    initial = (name[:1] or "?").upper()
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 120" role="img" aria-label="No picture">'
        '<rect width="120" height="120" fill="#d8dde0"/>'
        f'<text x="60" y="75" font-size="48" text-anchor="middle" fill="#4c6272">{initial}</text></svg>'
    )
