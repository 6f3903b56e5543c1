"""Home care in visits (ADR 0038): a care worker's run for the day, a visit, closing it, and planning one.

Thin: access through ``access_*_for_user`` (out of scope: 404), read through ``selectors.visits``, write through
``services.visits``; a refusal is shown beside its field, in the service's words.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from carebook.access.http import AuthenticatedRequest
from carebook.access.models import User
from carebook.access.policy import Action, can, require
from carebook.core import clock
from carebook.core.errors import DomainError, NotFound, PermissionDenied
from carebook.medication.access import access_visit_for_user
from carebook.medication.selectors.visits import run_for, visit_view
from carebook.medication.services import visits as services
from carebook.medication.vocab import VisitLabel
from carebook.organisations.models import Location
from carebook.people.access import access_location_for_user
from carebook.people.models import Person
from carebook.people.whereabouts import places_for


def _day(value: str, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _branch_workers(location_ids: Any) -> list[User]:
    """The staff of these branches who record medicines: the care workers a run can belong to."""
    users = (
        User.objects.filter(memberships__location_id__in=list(location_ids), is_active=True)
        .distinct()
        .order_by("full_name")
    )
    return [u for u in users if can(u, Action.RECORD_ADMINISTRATION)]


def _branches(user: Any) -> list[Location]:
    return list(
        Location.objects.filter(memberships__user=user, kind=Location.Kind.HOME_CARE).distinct().order_by("name")
    )


@login_required
@require_http_methods(["GET"])
def run(request: AuthenticatedRequest) -> HttpResponse:
    """Today's run of the signed-in care worker (or, for the office, any worker of their branches)."""
    require(request.user, Action.VIEW_ROUND)
    today = clock.to_local(clock.now()).date()
    day = _day(request.GET.get("date", ""), today)
    worker: User = request.user
    branches = _branches(request.user)
    workers: list[User] = []
    if can(request.user, Action.PLAN_VISITS) and branches:
        workers = _branch_workers(b.pk for b in branches)
        wanted = request.GET.get("worker", "")
        chosen = next((w for w in workers if str(w.pk) == wanted), None)
        if wanted and chosen is None:
            raise NotFound("No care worker with that id at your branches.")
        worker = chosen or worker
    context = {
        "visits": run_for(worker=worker, date=day, viewer=request.user),
        "worker": worker,
        "own": worker.pk == request.user.pk,
        "day": day,
        "today": today,
        "previous_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "workers": workers,
        "branches": branches if can(request.user, Action.PLAN_VISITS) else [],
    }
    return render(request, "medication/run.html", context)


@login_required
@require_http_methods(["GET"])
def visit_detail(request: AuthenticatedRequest, visit_id: str) -> HttpResponse:
    visit = access_visit_for_user(request.user, visit_id)
    view = visit_view(visit, viewer=request.user)
    return render(request, "medication/visit.html", _visit_context(request, view))


def _visit_context(request: AuthenticatedRequest, view: Any, error: str = "") -> dict[str, Any]:
    visit = view.visit
    pass_url = (
        reverse("medication:person_pass", args=[visit.person_id])
        + "?"
        + urlencode({"round": view.round_name, "visit": visit.pk})
    )
    return {
        "view": view,
        "visit": visit,
        "person": visit.person,
        "pass_url": pass_url,
        "may_close": services.may_close(request.user, visit) and not view.closed,
        "error": error,
        "error_summary": [("#close", error)] if error else [],
        "run_url": reverse("medication:run") + f"?date={visit.date.isoformat()}",
        "record_query": "?" + urlencode({"visit": visit.pk, "round": view.round_name}),
        "may_record": can(request.user, Action.RECORD_ADMINISTRATION),
    }


@login_required
@require_POST
def visit_close(request: AuthenticatedRequest, visit_id: str) -> HttpResponse:
    visit = access_visit_for_user(request.user, visit_id, Action.RECORD_ADMINISTRATION)
    try:
        services.visit_close(by=request.user, visit=visit)
    except (PermissionDenied, NotFound):
        raise
    except DomainError as error:
        view = visit_view(visit, viewer=request.user)
        return render(
            request, "medication/visit.html", _visit_context(request, view, error.message), status=error.status
        )
    messages.success(request, f"Visit closed: {visit.person.full_name}, {visit.get_label_display().lower()}.")
    return redirect(reverse("medication:run") + f"?date={visit.date.isoformat()}#visit-{visit.pk}")


def _time(value: str) -> dt.time | None:
    try:
        return dt.time.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def visit_new(request: AuthenticatedRequest, location_id: str) -> HttpResponse:
    require(request.user, Action.PLAN_VISITS)
    location = access_location_for_user(request.user, location_id)
    if location.kind != Location.Kind.HOME_CARE:
        raise NotFound("Visits are planned at a home-care branch.")
    people = list(
        Person.objects.filter(location=location).select_related("location").order_by("family_name", "given_name")
    )
    workers = _branch_workers([location.pk])
    today = clock.to_local(clock.now()).date()
    values = {"date": today.isoformat(), "label": "", "window_start": "", "window_end": "", "person": "", "worker": ""}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values.update({k: request.POST.get(k, "").strip() for k in values})
        person = next((p for p in people if str(p.pk) == values["person"]), None)
        worker = next((w for w in workers if str(w.pk) == values["worker"]), None)
        if person is None:
            errors["person"] = "Choose the person from the list."
        for name in ("window_start", "window_end"):
            if values[name] and _time(values[name]) is None:
                errors[name] = "Enter a time like 07:30."
        if values["date"] and _day(values["date"], dt.date.min) == dt.date.min:
            errors["date"] = "Enter a real date."
        if not errors:
            assert person is not None
            try:
                visit = services.visit_plan(
                    by=request.user,
                    person=person,
                    assigned_to=worker,
                    date=_day(values["date"], dt.date.min) if values["date"] else None,
                    label=values["label"],
                    window_start=_time(values["window_start"]),
                    window_end=_time(values["window_end"]),
                )
            except (PermissionDenied, NotFound):
                raise
            except DomainError as error:
                errors[error.field or "person"] = error.message
            else:
                messages.success(
                    request,
                    f"Visit planned: {person.full_name}, {visit.get_label_display().lower()}, "
                    f"on {visit.assigned_to.display_name}'s run.",
                )
                return redirect(reverse("medication:run") + f"?date={visit.date}&worker={visit.assigned_to_id}")
        status = 422
    field_for = {"assigned_to": "worker"}
    errors = {field_for.get(k, k): v for k, v in errors.items()}
    places = places_for(request.user, people, clock.today())
    context = {
        "location": location,
        "people_places": [(p, places[p.pk]) for p in people],
        "workers": workers,
        "labels": VisitLabel.choices,
        "values": values,
        "errors": errors,
        "error_list": [(f"#{_anchor(name)}", message) for name, message in errors.items()],
    }
    return render(request, "medication/visit_new.html", context, status=status)


def _anchor(name: str) -> str:
    return {"label": "label-0"}.get(name, name)


urlpatterns: list[URLPattern] = [
    path("run/", run, name="run"),
    path("visits/<str:visit_id>/", visit_detail, name="visit"),
    path("visits/<str:visit_id>/close/", visit_close, name="visit_close"),
    path("locations/<str:location_id>/visits/new/", visit_new, name="visit_new"),
]
