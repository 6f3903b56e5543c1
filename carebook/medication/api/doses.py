"""Due doses: the MAR slots of a location in a time range."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Query, Router

from carebook.access.policy import Action, require
from carebook.core import clock
from carebook.core.errors import ValidationFailed
from carebook.medication.api import present
from carebook.medication.api.common import READ_ERRORS, caller
from carebook.medication.api.schemas import DueDoseOut, Moment
from carebook.medication.models import Administration, DueDose
from carebook.medication.vocab import DoseState
from carebook.people.access import access_location_for_user, access_person_for_user

router = Router(tags=["due doses"])

MAX_RANGE = dt.timedelta(days=7)
FROM = Query(None, alias="from", description="ISO 8601 with offset, e.g. 2026-06-10T08:00+01:00")
TO = Query(None, alias="to", description="ISO 8601 with offset; at most 7 days after 'from'")


def time_range(
    start: dt.datetime | None, end: dt.datetime | None, *, default: dt.timedelta, limit: dt.timedelta
) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) from the query, defaulting around now; refused when empty or longer than ``limit``."""
    if start is None and end is None:
        start = clock.now() - default / 2
    if start is None:
        assert end is not None
        start = end - default
    if end is None:
        end = start + default
    if end <= start:
        raise ValidationFailed("'to' must be after 'from'.", field="to")
    if end - start > limit:
        raise ValidationFailed(f"Ask for at most {limit.days} days at a time.", field="to", max_days=limit.days)
    return start, end


@router.get("/due-doses", response={200: list[DueDoseOut], **READ_ERRORS}, operation_id="due_doses_list")
def due_doses_list(
    request: HttpRequest,
    location: Query[uuid.UUID],
    start: Moment | None = FROM,
    end: Moment | None = TO,
    unit: Query[uuid.UUID | None] = None,
    person: Query[uuid.UUID | None] = None,
    state: Query[DoseState | None] = None,
) -> list[dict]:
    """The doses due at a location between ``from`` and ``to`` (ISO 8601 with offset; at most 7 days).

    Without ``from`` and ``to``: the 24 hours around now. Withdrawn doses are left out unless
    ``state=withdrawn`` is asked for. Each dose carries its effective administration, if any.
    """
    require(caller(request), Action.VIEW_ROUND)
    place = access_location_for_user(caller(request), location)
    start, end = time_range(start, end, default=dt.timedelta(hours=24), limit=MAX_RANGE)
    doses = DueDose.objects.filter(location=place, scheduled_at__gte=start, scheduled_at__lt=end)
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
