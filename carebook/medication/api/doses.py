"""Due doses: the MAR slots of a location in a time range."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from carebook.access.policy import Action, require
from carebook.core import clock
from carebook.medication.api import present
from carebook.medication.api.common import READ_ERRORS, caller
from carebook.medication.api.schemas import DueDoseOut, Moment
from carebook.medication.models import Administration, DueDose
from carebook.medication.vocab import DoseState
from carebook.people.access import access_location_for_user, access_person_for_user

router = Router(tags=["due doses"])

MAX_RANGE = dt.timedelta(days=7)
FROM = Query(
    None,
    alias="from",
    description="ISO 8601 with offset, e.g. 2026-06-10T08:00+01:00. Default: 12 hours before now, or 24 hours "
    "before 'to'.",
)
TO = Query(
    None,
    alias="to",
    description="ISO 8601 with offset. Default: 24 hours after 'from'. Any pair is answered: if 'to' is before "
    "'from' the two are swapped; the same instant is an empty window; a window longer than 7 days is answered "
    'for its first 7 days, with a `Link: <…>; rel="next"` header for the rest.',
)


# The 200 answer of a read over a time window documents its Link header.
NEXT_WINDOW = {
    "responses": {
        200: {
            "headers": {
                "Link": {
                    "description": 'Only when the window asked for was longer than allowed: `<…>; rel="next"`, '
                    "the same request for the rest of it.",
                    "schema": {"type": "string"},
                }
            }
        }
    }
}


@dataclass(frozen=True)
class Window:
    """The instants a read covers, [start, end), and where the rest of a longer window asked for begins."""

    start: dt.datetime
    end: dt.datetime
    rest: tuple[dt.datetime, dt.datetime] | None = None


def time_range(
    start: dt.datetime | None, end: dt.datetime | None, *, default: dt.timedelta, limit: dt.timedelta
) -> Window:
    """[start, end) from the query. Every pair the OpenAPI admits is answered, none refused:

    neither given: ``default`` around now; one given: ``default`` after it (or before it); 'to' before 'from':
    swapped; longer than ``limit``: the first ``limit`` of it, and ``rest`` says what is left (the API sends it
    as a ``Link: rel="next"`` header, see ``link_to_rest``).
    """
    if start is None and end is None:
        start = clock.now() - default / 2
    if start is None:
        assert end is not None
        start = end - default
    if end is None:
        end = start + default
    if end < start:
        start, end = end, start
    if end - start > limit:
        return Window(start, start + limit, rest=(start + limit, end))
    return Window(start, end)


def link_to_rest(request: HttpRequest, response: HttpResponse, window: Window) -> None:
    """``Link: <same query, from and to set to the rest>; rel="next"`` when the window was longer than allowed."""
    if window.rest is None:
        return
    query = request.GET.copy()
    query["from"], query["to"] = (moment.isoformat() for moment in window.rest)
    response["Link"] = f'<{request.path}?{query.urlencode()}>; rel="next"'


@router.get(
    "/due-doses",
    response={200: list[DueDoseOut], **READ_ERRORS},
    operation_id="due_doses_list",
    openapi_extra=NEXT_WINDOW,
)
def due_doses_list(
    request: HttpRequest,
    response: HttpResponse,
    location: Query[uuid.UUID],
    start: Moment | None = FROM,
    end: Moment | None = TO,
    unit: Query[uuid.UUID | None] = None,
    person: Query[uuid.UUID | None] = None,
    state: Query[DoseState | None] = None,
) -> list[dict]:
    """The doses due at a location between ``from`` and ``to`` (ISO 8601 with offset; 7 days at a time).

    Without ``from`` and ``to``: the 24 hours around now. A longer window is answered for its first 7 days,
    with a ``Link: <…>; rel="next"`` header asking for the rest. Withdrawn doses are left out unless
    ``state=withdrawn`` is asked for. Each dose carries its effective administration, if any.
    """
    require(caller(request), Action.VIEW_ROUND)
    place = access_location_for_user(caller(request), location)
    window = time_range(start, end, default=dt.timedelta(hours=24), limit=MAX_RANGE)
    link_to_rest(request, response, window)
    doses = DueDose.objects.filter(location=place, scheduled_at__gte=window.start, scheduled_at__lt=window.end)
    if unit is not None:
        doses = doses.filter(person__unit_id=unit)
    if person is not None:
        doses = doses.filter(person=access_person_for_user(caller(request), person))
    doses = doses.filter(state=state) if state is not None else doses.exclude(state=DueDose.State.WITHDRAWN)
    effective = Administration.objects.effective().select_related(*present.ADMINISTRATION_RELATED)
    doses = doses.select_related("person", "prescription__medicine").prefetch_related(
        Prefetch("administrations", queryset=effective, to_attr="effective")
    )
    return [
        present.due_dose(d, d.effective[0] if d.effective else None)  # type: ignore[attr-defined]
        for d in doses.order_by("scheduled_at", "person__family_name")
    ]
