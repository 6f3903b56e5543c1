"""The medicines panel of the person's page (the page itself belongs to the people app)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from carebook.access.http import AuthenticatedRequest
from carebook.access.policy import Action, can
from carebook.core import clock
from carebook.medication.selectors.late import recent_late_decisions
from carebook.medication.selectors.person import RECENT_DAYS, person_page
from carebook.people.models import Person
from carebook.people.panels import PanelContent, PersonPanel, register_person_panel


def medicines_panel(request: AuthenticatedRequest, person: Person) -> PanelContent | None:
    """Follow-ups, today's doses, when-required medicines, current prescriptions, the last 7 days' records."""
    user = request.user
    if not can(user, Action.VIEW_PRESCRIPTIONS):
        return None
    now = clock.now()
    page = person_page(person=person, user=user, now=now)
    html = render_to_string(
        "medication/person_panel.html",
        {
            "page": page,
            "person": person,
            "can_record": can(user, Action.RECORD_ADMINISTRATION),
            "can_manage_prescriptions": can(user, Action.MANAGE_PRESCRIPTIONS),
            "record_query": "?back=person",
            # Late doses and the next dose (ADR 0021): one self-contained block of the panel.
            "late_decisions": recent_late_decisions(person=person, now=now, days=RECENT_DAYS),
        },
        request=request,
    )
    links = [
        ("MAR chart", reverse("medication:mar", args=[person.pk])),
        ("All prescriptions", reverse("medication:person_prescriptions", args=[person.pk])),
    ]
    if can(user, Action.VIEW_ROUND):
        unit = f"?unit={person.unit_id}" if person.unit_id else ""
        links.append(("Back to the round", reverse("medication:round", args=[person.location_id]) + unit))
    return PanelContent(html=mark_safe(html), links=links)  # noqa: S308 (our own rendered template)


def register() -> None:
    register_person_panel(PersonPanel(key="medicines", order=10, render=medicines_panel))
