"""Administrations: record a dose (due or PRN), read the records, correct them, follow up a PRN dose."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Header, Query, Router, Status

from carebook.access.policy import Action, can, location_ids_for_user, require
from carebook.core.schemas import NOT_BLANK_PATTERN
from carebook.medication import rules
from carebook.medication.access import (
    access_administration_for_user,
    access_due_dose_for_user,
    access_prescription_for_user,
)
from carebook.medication.api import present
from carebook.medication.api.common import READ_ERRORS, WRITE_ERRORS, caller
from carebook.medication.api.doses import NEXT_WINDOW, link_to_rest, time_range
from carebook.medication.api.schemas import (
    AdministrationDetail,
    AdministrationIn,
    AdministrationOut,
    FollowUpIn,
    Moment,
    ReasonIn,
)
from carebook.medication.models import Administration
from carebook.medication.services import administrations as services
from carebook.people.access import access_location_for_user, access_person_for_user

router = Router(tags=["administrations"])

MAX_RANGE = dt.timedelta(days=31)
FROM = Query(
    None, alias="from", description="ISO 8601 with offset. Default: 24 hours before now, or 48 hours before 'to'."
)
TO = Query(
    None,
    alias="to",
    description="ISO 8601 with offset. Default: 48 hours after 'from'. Any pair is answered: if 'to' is before "
    "'from' the two are swapped; the same instant is an empty window; a window longer than 31 days is answered "
    'for its first 31 days, with a `Link: <…>; rel="next"` header for the rest.',
)


def _detail(administration_id: Any) -> dict:
    record = (
        Administration.objects.select_related(*present.ADMINISTRATION_DETAIL_RELATED)
        .prefetch_related("prompt_answers")
        .get(pk=administration_id)
    )
    return present.administration_detail(record)


@router.post(
    "/administrations",
    response={200: AdministrationDetail, 201: AdministrationDetail, **WRITE_ERRORS},
    operation_id="administration_record",
)
def administration_record(
    request: HttpRequest,
    payload: AdministrationIn,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        description="A key made by the client (1 to 100 characters, not blank). A retry with the same key returns "
        "the first record (status 200), never a second one.",
        min_length=1,
        max_length=100,
        pattern=NOT_BLANK_PATTERN,
    ),
) -> Status[dict]:
    """Record the outcome of a due dose (``due_dose_id``) or of a when-required dose (``prescription_id``).

    The safety prompts' answers come with it. Who recorded it is the signed-in user; when, the server clock.
    201 for a new record; 200 when an Idempotency-Key matched an earlier one (the same record is returned).

    A dose given late that would fall closer to the next dose than the prescription's minimum gap is refused
    (422 ``too_close_to_next_dose``, with ``details.choices``, ``earliest_move`` and ``latest_move``) until
    ``late_dose`` names a choice: move the next dose later, omit the next dose, or omit this one.
    """
    user = caller(request)
    # A due dose is fetched by the service's own locked, scoped read (404 when missing or out of scope). A role that
    # may not record is still told 404 for another location's dose, before the service's 403, as everywhere.
    if payload.due_dose_id is not None and not can(user, Action.RECORD_ADMINISTRATION):
        access_due_dose_for_user(user, payload.due_dose_id)
    prescription = (
        access_prescription_for_user(user, payload.prescription_id) if payload.prescription_id is not None else None
    )
    result = services.administration_record(
        by=user,
        outcome=payload.outcome.value,
        prompts=[
            rules.Answer(prompt=p.prompt.value, result=p.result.value, value=p.value, note=p.note)
            for p in payload.prompts
        ],
        due_dose=payload.due_dose_id,
        prescription=prescription,
        dose_given=payload.dose_given,
        administered_at=payload.administered_at,
        reason=payload.reason,
        site=payload.site,
        old_patch=payload.old_patch,
        observations=payload.observations,
        prn_reason=payload.prn_reason,
        witness=(
            services.WitnessCredentials(payload.witness.username, payload.witness.password)
            if payload.witness is not None
            else None
        ),
        late=_late(payload),
        idempotency_key=idempotency_key,
    )
    if result.replayed:
        return Status(200, _detail(result.administration.pk))
    # A new record is presented as written: the service hands back everything the detail shows.
    return Status(201, present.administration_detail(result.administration))


def _late(payload: AdministrationIn) -> services.LateDoseRequest | None:
    late = payload.late_dose
    if late is None:
        return None
    return services.LateDoseRequest(
        choice=late.choice.value,
        reason=late.reason,
        move_next_to=late.move_next_to,
        senior=services.WitnessCredentials(late.senior.username, late.senior.password) if late.senior else None,
    )


@router.get(
    "/administrations",
    response={200: list[AdministrationOut], **READ_ERRORS},
    operation_id="administrations_list",
    openapi_extra=NEXT_WINDOW,
)
def administrations_list(
    request: HttpRequest,
    response: HttpResponse,
    person: Query[uuid.UUID | None] = None,
    location: Query[uuid.UUID | None] = None,
    start: Moment | None = FROM,
    end: Moment | None = TO,
    include_entered_in_error: bool = True,
) -> list[dict]:
    """Administration records given (or not given) between ``from`` and ``to``, oldest first.

    For one person, one location, or every location the caller works at. 31 days at a time: a longer window is
    answered for its first 31 days, with a ``Link: <…>; rel="next"`` header asking for the rest.
    """
    user = caller(request)
    require(user, Action.VIEW_PEOPLE)
    window = time_range(start, end, default=dt.timedelta(hours=48), limit=MAX_RANGE)
    link_to_rest(request, response, window)
    records = Administration.objects.filter(administered_at__gte=window.start, administered_at__lt=window.end)
    if person is not None:
        records = records.filter(person=access_person_for_user(user, person))
    if location is not None:
        records = records.filter(location=access_location_for_user(user, location))
    records = records.filter(location_id__in=location_ids_for_user(user))
    if not include_entered_in_error:
        records = records.effective()
    records = records.select_related(*present.ADMINISTRATION_RELATED).order_by("administered_at", "recorded_at")
    return [present.administration(a) for a in records]


@router.get(
    "/administrations/{administration_id}",
    response={200: AdministrationDetail, **READ_ERRORS},
    operation_id="administration_detail",
)
def administration_detail(request: HttpRequest, administration_id: uuid.UUID) -> dict:
    """One record with its prompt answers, any correction and any PRN follow-up."""
    record = access_administration_for_user(caller(request), administration_id)
    return _detail(record.pk)


@router.post(
    "/administrations/{administration_id}/entered-in-error",
    response={200: AdministrationDetail, **WRITE_ERRORS},
    operation_id="administration_mark_entered_in_error",
)
def administration_mark_entered_in_error(request: HttpRequest, administration_id: uuid.UUID, payload: ReasonIn) -> dict:
    """Mark a record entered-in-error, with the reason. It stays visible; the dose can then be recorded again."""
    record = access_administration_for_user(caller(request), administration_id)
    services.administration_mark_entered_in_error(administration=record, by=caller(request), reason=payload.reason)
    return _detail(record.pk)


@router.post(
    "/administrations/{administration_id}/follow-up",
    response={200: AdministrationDetail, **WRITE_ERRORS},
    operation_id="prn_follow_up_record",
)
def prn_follow_up_record(request: HttpRequest, administration_id: uuid.UUID, payload: FollowUpIn) -> dict:
    """Record whether a when-required dose worked (30 to 60 minutes after it)."""
    record = access_administration_for_user(caller(request), administration_id)
    services.prn_follow_up_record(
        administration=record, by=caller(request), effect=payload.effect.value, note=payload.note
    )
    return _detail(record.pk)
