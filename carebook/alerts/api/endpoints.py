"""Alerts: the list of a location's alerts (with the counts the dashboard shows), one alert with its steps, and
its lifecycle: acknowledge, record a step, resolve with an outcome.

Every alert is fetched through ``access_alert_for_user`` (another location's alert is 404, as a missing one) and
changed only by ``carebook.alerts.lifecycle``: who and when are the signed-in user and the server clock.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from django.http import HttpRequest
from ninja import Query, Router, Status
from pydantic import Field

from carebook.access.api import READ_ERRORS, WRITE_ERRORS, caller
from carebook.access.policy import Action, require
from carebook.alerts import lifecycle, rules, selectors
from carebook.alerts.access import access_alert_for_user
from carebook.alerts.api import present
from carebook.alerts.api.schemas import (
    AlertActionIn,
    AlertActionOut,
    AlertDetail,
    AlertListOut,
    AlertResolveIn,
    AlertStatusFilter,
    AlertThresholdsIn,
    AlertThresholdsOut,
    PrescriptionThresholdsIn,
    PrescriptionThresholdsOut,
)
from carebook.alerts.models import Alert, AlertAction
from carebook.alerts.vocab import AlertKind
from carebook.core.errors import ValidationFailed
from carebook.medication.access import access_prescription_for_user
from carebook.medication.models import Prescription
from carebook.people.access import access_location_for_user

router = Router(tags=["alerts"])

_STATUS_FILTERS = {
    AlertStatusFilter.NEEDS_ATTENTION: selectors.NEEDS_ATTENTION,
    AlertStatusFilter.CLEARED: selectors.CLEARED_TO_REVIEW,
}


def _detail(alert_id: uuid.UUID) -> dict:
    alert = Alert.objects.select_related(*present.ALERT_RELATED).get(pk=alert_id)
    return present.alert_detail(alert, selectors.alert_actions(alert), selectors.alert_records(alert))


LIST_LIMIT, LIST_LIMIT_MOST = 200, 1000  # how many alerts one answer lists, unless asked; at most
ListLimit = Annotated[int, Field(default=LIST_LIMIT, ge=1, le=LIST_LIMIT_MOST)]


@router.get("/alerts", response={200: AlertListOut, **READ_ERRORS}, operation_id="alerts_list")
def alerts_list(
    request: HttpRequest,
    location: Query[uuid.UUID | None] = None,
    status: Query[AlertStatusFilter | None] = None,
    kind: Query[AlertKind | None] = None,
    limit: Query[ListLimit] = LIST_LIMIT,
) -> dict:
    """The alerts of the caller's locations (or of one), most severe first, then oldest first.

    ``status``: open, acknowledged or resolved; ``needs_attention`` (open or acknowledged, not carried on by a more
    serious alert, not cleared by itself) or ``cleared`` (cleared by itself, not yet resolved). ``counts`` are the
    alerts needing attention per kind, whatever ``status`` and ``kind`` say. At most ``limit`` alerts (200 unless
    asked; up to 1,000), in that order. The same queries, whatever the number.
    """
    user = caller(request)
    require(user, Action.VIEW_ALERTS)
    location_id = access_location_for_user(user, location).pk if location is not None else None
    rows = selectors.alerts_in_scope(user, location_id=location_id)
    counts = selectors.needs_attention_counts(rows)
    if status in _STATUS_FILTERS:
        rows = rows.filter(_STATUS_FILTERS[status])
    elif status is not None:
        rows = rows.filter(status=status.value)
    if kind is not None:
        rows = rows.filter(kind=kind.value)
    per_kind = [{"kind": k.value, "label": k.label, "count": int(counts.get(k.value, 0))} for k in AlertKind]
    return {
        "counts": per_kind,
        "needs_attention": sum(c["count"] for c in per_kind),
        "alerts": [present.alert(a) for a in rows[:limit]],
    }


@router.get("/alerts/{alert_id}", response={200: AlertDetail, **READ_ERRORS}, operation_id="alert_detail")
def alert_detail(request: HttpRequest, alert_id: uuid.UUID) -> dict:
    """One alert with the steps taken on it, oldest first (who took each, and when)."""
    alert = access_alert_for_user(caller(request), alert_id)
    return present.alert_detail(alert, selectors.alert_actions(alert), selectors.alert_records(alert))


@router.post(
    "/alerts/{alert_id}/acknowledge", response={200: AlertDetail, **WRITE_ERRORS}, operation_id="alert_acknowledge"
)
def alert_acknowledge(request: HttpRequest, alert_id: uuid.UUID) -> dict:
    """Take the alert on (senior carers and above; the coordinator). Who and when: the caller and the server clock.

    409 ``already_acknowledged`` (or ``already_resolved``) says who did it, and when.
    """
    user = caller(request)
    alert = access_alert_for_user(user, alert_id)  # 404 out of scope; the service checks the role (403)
    lifecycle.alert_acknowledge(alert=alert, by=user)
    return _detail(alert.pk)


@router.post(
    "/alerts/{alert_id}/actions", response={201: AlertActionOut, **WRITE_ERRORS}, operation_id="alert_action_record"
)
def alert_action_record(request: HttpRequest, alert_id: uuid.UUID, payload: AlertActionIn) -> Status[dict]:
    """Record one step taken on the alert (see AlertActionIn for what each kind needs).

    A care worker may record what they were asked (``contacted_care_worker``, ``informed``, ``note``) but not an
    ``advice_outcome`` (403). 409 ``already_resolved`` on a resolved alert.
    """
    user = caller(request)
    alert = access_alert_for_user(user, alert_id)  # 404 out of scope; the service checks the role (403)
    step = rules.ActionInput(
        kind=payload.kind.value,
        note=payload.note,
        answer=payload.answer.value if payload.answer is not None else "",
        professional=payload.professional.value if payload.professional is not None else "",
        advice=payload.advice,
        outcome=payload.outcome.value if payload.outcome is not None else "",
        observe_what=payload.observe_what,
        observe_until=payload.observe_until,
        informed=payload.informed.value if payload.informed is not None else "",
    )
    try:
        recorded = lifecycle.alert_action_record(
            alert=alert, by=user, step=step, new_prescription_id=payload.new_prescription_id
        )
    except ValidationFailed as exc:
        if exc.field == "new_prescription":  # the rules' name for it; the body's is new_prescription_id
            exc.field = "new_prescription_id"
        raise
    fresh = AlertAction.objects.select_related("by").get(pk=recorded.pk)
    return Status(201, present.action(fresh))


@router.post("/alerts/{alert_id}/resolve", response={200: AlertDetail, **WRITE_ERRORS}, operation_id="alert_resolve")
def alert_resolve(request: HttpRequest, alert_id: uuid.UUID, payload: AlertResolveIn) -> dict:
    """Resolve an acknowledged alert with the last outcome recorded on it (team leaders and above; the coordinator).

    422 (field ``outcome``) when no outcome is recorded; 409 ``not_acknowledged`` before it is acknowledged, and
    ``already_resolved`` after.
    """
    user = caller(request)
    alert = access_alert_for_user(user, alert_id)  # 404 out of scope; the service checks the role (403)
    lifecycle.alert_resolve(alert=alert, by=user, note=payload.note)
    return _detail(alert.pk)


def _thresholds(location_id: uuid.UUID) -> dict:
    from dataclasses import asdict

    from carebook.alerts.thresholds import location_settings, thresholds_for

    return {
        "location_id": location_id,
        "settings": location_settings(location_id),
        "in_force": asdict(thresholds_for(location_id)),
    }


@router.get(
    "/alerts/thresholds/{location_id}",
    response={200: AlertThresholdsOut, **READ_ERRORS},
    operation_id="alert_thresholds",
)
def alert_thresholds(request: HttpRequest, location_id: uuid.UUID) -> dict:
    """When each alert kind is raised at a location: its settings and what is in force (ADR 0026)."""
    user = caller(request)
    require(user, Action.VIEW_ALERTS)
    return _thresholds(access_location_for_user(user, location_id).pk)


@router.post(
    "/alerts/thresholds/{location_id}",
    response={200: AlertThresholdsOut, **WRITE_ERRORS},
    operation_id="alert_thresholds_set",
)
def alert_thresholds_set(request: HttpRequest, location_id: uuid.UUID, payload: AlertThresholdsIn) -> dict:
    """Change a location's settings (the registered manager only; audited with before and after)."""
    from carebook.alerts.thresholds import location_thresholds_set

    user = caller(request)
    require(user, Action.VIEW_ALERTS)
    location = access_location_for_user(user, location_id)  # 404 out of scope; the service checks the role (403)
    location_thresholds_set(location=location, by=user, values=payload.model_dump(exclude_unset=True))
    return _thresholds(location.pk)


def _prescription_thresholds(rx: Prescription) -> dict:
    from dataclasses import asdict

    from carebook.alerts.thresholds import prescription_settings, thresholds_for

    location_id = rx.person.location_id
    return {
        "prescription_id": rx.pk,
        "location_id": location_id,
        "settings": prescription_settings(rx.pk),
        "in_force": asdict(thresholds_for(location_id, rx.pk)),
    }


@router.get(
    "/alerts/prescription-thresholds/{prescription_id}",
    response={200: PrescriptionThresholdsOut, **READ_ERRORS},
    operation_id="prescription_alert_thresholds",
)
def prescription_alert_thresholds(request: HttpRequest, prescription_id: uuid.UUID) -> dict:
    """When one prescription's alerts are raised: its own settings and what is in force for it (ADR 0026)."""
    user = caller(request)
    require(user, Action.VIEW_ALERTS)
    return _prescription_thresholds(access_prescription_for_user(user, prescription_id))


@router.post(
    "/alerts/prescription-thresholds/{prescription_id}",
    response={200: PrescriptionThresholdsOut, **WRITE_ERRORS},
    operation_id="prescription_alert_thresholds_set",
)
def prescription_alert_thresholds_set(
    request: HttpRequest, prescription_id: uuid.UUID, payload: PrescriptionThresholdsIn
) -> dict:
    """Change one prescription's own settings (the registered manager only; audited with before and after)."""
    from carebook.alerts.thresholds import prescription_thresholds_set

    user = caller(request)
    require(user, Action.VIEW_ALERTS)
    rx = access_prescription_for_user(user, prescription_id)  # 404 out of scope; the service checks the role (403)
    prescription_thresholds_set(prescription=rx, by=user, values=payload.model_dump(exclude_unset=True))
    return _prescription_thresholds(rx)
