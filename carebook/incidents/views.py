"""The incidents pages: the list, "Report an incident" (standalone, or from an alert), one incident with a form for
each step, and the home panel of overdue actions.

Thin adapters: fetch through ``access_incident_for_user`` (role → 403, out of scope → 404), call a service, render.
A refused POST writes nothing (the services are atomic) and shows the error beside its field; a success redirects
back (POST/redirect/GET).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carebook.access.http import AuthenticatedRequest
from carebook.access.models import User
from carebook.access.policy import Action, can, require
from carebook.access.scopes import scope_for
from carebook.actions import rules as action_rules
from carebook.actions.services import may_complete
from carebook.alerts.access import access_alert_for_user
from carebook.core import clock
from carebook.core.errors import DomainError, NotFound, PermissionDenied
from carebook.core.text import moment
from carebook.incidents import rules, services
from carebook.incidents.access import access_incident_action, access_incident_for_user
from carebook.incidents.facts import sign_off_facts
from carebook.incidents.forms import (
    ActionForm,
    CandourForm,
    CompleteForm,
    CqcForm,
    FindingForm,
    NoticeForm,
    ReportForm,
    SignOffForm,
    default_due,
)
from carebook.incidents.models import Incident
from carebook.incidents.selectors import incident_rows, incident_timeline, incidents_in_scope, overdue_for_manager
from carebook.incidents.vocab import ALERT_KIND_TO_INCIDENT, IncidentStatus
from carebook.people.models import Person

LOCAL_MOMENT = "%Y-%m-%dT%H:%M"


def _refusal(error: DomainError) -> None:
    """Role and scope refusals are not form errors: they answer 403 and 404 (the middleware)."""
    if isinstance(error, (PermissionDenied, NotFound)):
        raise error


def _errors(form: forms.Form) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    for name, errors in form.errors.items():
        anchor = "maincontent" if name == "__all__" else form[name].id_for_label or form[name].auto_id
        items.extend((anchor, str(message)) for message in errors)
    return items


def _put_error(form: forms.Form, error: DomainError, aliases: dict[str, str] | None = None) -> None:
    name = (aliases or {}).get(error.field or "", error.field or "")
    form.add_error(name if name in form.fields else None, error.message)


def _local(moment_: dt.datetime | None) -> str:
    return clock.to_local(moment_).strftime(LOCAL_MOMENT) if moment_ else ""


# --- The list --------------------------------------------------------------------------------------------


@login_required
@never_cache
@require_GET
def incidents_list(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, Action.VIEW_INCIDENTS)
    status = request.GET.get("status", "")
    if status not in IncidentStatus.values:
        status = ""
    rows = list(incidents_in_scope(request.user, today=clock.today(), status=status or None)[:500])
    return render(
        request,
        "incidents/list.html",
        {
            "rows": rows,
            "status": status,
            "statuses": IncidentStatus.choices,
            "may_report": can(request.user, Action.REPORT_INCIDENT),
        },
    )


# --- Report an incident ----------------------------------------------------------------------------------


def _people(user: User) -> list[tuple[str, str]]:
    rows = (
        Person.objects.filter(scope_for(user).q("location"))
        .select_related("location")
        .order_by("family_name", "given_name")
    )
    return [(str(p.pk), f"{p.full_name} ({p.location.name})") for p in rows[:1000]]


def _staff(user: User) -> list[tuple[str, str]]:
    ids = scope_for(user).location_ids()
    rows = User.objects.filter(is_active=True, memberships__location_id__in=ids).distinct().order_by("full_name")
    return [(str(u.pk), f"{u.display_name} ({u.get_role_display()})") for u in rows[:300]]


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def report(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, Action.REPORT_INCIDENT)
    raw_alert = request.POST.get("alert") if request.method == "POST" else request.GET.get("alert")
    alert = access_alert_for_user(request.user, raw_alert) if raw_alert else None
    people, staff = _people(request.user), _staff(request.user)
    if request.method == "POST":
        form = ReportForm(request.POST, people=people, staff=staff)
        if form.is_valid():
            data = form.cleaned_data
            try:
                incident = services.incident_report(
                    by=request.user,
                    data=services.IncidentInput(
                        kind=data["kind"],
                        what_happened=data["what_happened"],
                        occurred_at=data["occurred_at"],
                        discovered_at=data["discovered_at"],
                        harm=data["harm"],
                        immediate_actions=data.get("immediate_actions") or "",
                        alert_id=alert.pk if alert is not None else None,
                        person_id=None if alert is not None else data.get("person"),
                        staff_ids=list(data.get("staff") or []),
                    ),
                )
            except DomainError as error:
                _refusal(error)
                _put_error(form, error)
            else:
                messages.success(request, "The incident is reported.")
                return redirect(reverse("incidents:incident", args=[incident.pk]))
        status = 422
    else:
        initial: dict[str, Any] = {}
        if alert is not None:
            initial = {
                "alert": alert.pk,
                "kind": ALERT_KIND_TO_INCIDENT.get(alert.kind, ""),
                "what_happened": alert.summary,
                "occurred_at": _local(alert.due_at or alert.raised_at),
                "discovered_at": _local(alert.raised_at),
            }
        form = ReportForm(initial=initial, people=people, staff=staff)
        status = 200
    return render(
        request,
        "incidents/report.html",
        {"form": form, "alert": alert, "errors": _errors(form) if form.is_bound else [], "now": _local(clock.now())},
        status=status,
    )


# --- One incident ----------------------------------------------------------------------------------------

FORMS: dict[str, type[forms.Form]] = {
    "notice": NoticeForm,
    "cqc": CqcForm,
    "candour": CandourForm,
    "finding": FindingForm,
    "sign_off": SignOffForm,
}


def _owners(incident: Incident) -> list[tuple[str, str]]:
    rows = User.objects.filter(is_active=True, memberships__location_id=incident.location_id).distinct()
    return [(str(u.pk), f"{u.display_name} ({u.get_role_display()})") for u in rows.order_by("full_name")]


def _render(
    request: AuthenticatedRequest,
    incident: Incident,
    *,
    bound: dict[str, forms.Form] | None = None,
    problems: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    bound = bound or {}
    rows = incident_rows(incident)
    today = clock.today()
    closed = incident.status == IncidentStatus.CLOSED
    may_manage = can(user, Action.MANAGE_INCIDENT) and not closed
    facts = sign_off_facts(incident)
    errors = list(problems or [])
    built: dict[str, forms.Form] = {}
    for name, form_class in FORMS.items():
        built[name] = bound.get(name) or form_class(prefix=name)
    built["action"] = bound.get("action") or ActionForm(
        prefix="action", owners=_owners(incident), initial={"due_on": default_due(today).isoformat()}
    )
    for form in bound.values():
        errors.extend(_errors(form))
    action_rows = []
    for action in rows.actions:
        complete_form = bound.get(f"complete-{action.pk}") or CompleteForm(prefix=f"complete-{action.pk}")
        action_rows.append(
            {
                "action": action,
                "overdue": action_rules.is_overdue(due_on=action.due_on, completed=action.is_completed, today=today),
                "days_overdue": action_rules.days_overdue(
                    due_on=action.due_on, completed=action.is_completed, today=today
                ),
                "may_complete": not action.is_completed and may_complete(user, action),
                "form": complete_form,
            }
        )
    links: list[tuple[str, str]] = []
    if incident.person is not None:
        links.append((incident.person.full_name, reverse("people:person", args=[incident.person_id])))
    if incident.prescription is not None:
        links.append(
            (
                f"Prescription: {incident.prescription.medicine}",
                reverse("medication:prescription", args=[incident.prescription_id]),
            )
        )
    if incident.alert_id is not None:
        links.append(("The alert it came from", reverse("alerts:alert", args=[incident.alert_id])))
    context = {
        "incident": incident,
        "rows": rows,
        "timeline": incident_timeline(rows),
        "links": links,
        "due": moment(incident.due_dose.scheduled_at) if incident.due_dose is not None else "",
        "action_rows": action_rows,
        "overdue_count": sum(1 for a in action_rows if a["overdue"]),
        "cqc_required": rules.needs_cqc(facts),
        "candour_required": rules.candour_required(harm=incident.harm),
        "sign_off_problems": [message for _code, _field, message in rules.sign_off_problems(facts)],
        "may_manage": may_manage,
        "may_sign_off": can(user, Action.SIGN_OFF_INCIDENT) and not closed,
        "forms": built,
        "errors": errors,
        "now": _local(clock.now()),
        "today": today.isoformat(),
    }
    return render(request, "incidents/incident.html", context, status=status)


@login_required
@never_cache
@require_GET
def incident_detail(request: AuthenticatedRequest, incident_id: str) -> HttpResponse:
    return _render(request, access_incident_for_user(request.user, incident_id))


def _step(
    request: AuthenticatedRequest,
    incident_id: str,
    *,
    action: Action,
    name: str,
    form: Callable[[Incident], forms.Form],
    write: Callable[[Incident, dict[str, Any]], object],
    done: str,
    aliases: dict[str, str] | None = None,
) -> HttpResponse:
    incident = access_incident_for_user(request.user, incident_id, action)
    bound = form(incident)
    if bound.is_valid():
        try:
            write(incident, bound.cleaned_data)
        except DomainError as error:
            _refusal(error)
            _put_error(bound, error, aliases)
            incident.refresh_from_db()
            return _render(request, incident, bound={name: bound}, status=error.status)
        messages.success(request, done)
        return redirect(reverse("incidents:incident", args=[incident.pk]))
    return _render(request, incident, bound={name: bound}, status=422)


@login_required
@never_cache
@require_POST
def notice(request: AuthenticatedRequest, incident_id: str) -> HttpResponse:
    return _step(
        request,
        incident_id,
        action=Action.MANAGE_INCIDENT,
        name="notice",
        form=lambda i: NoticeForm(request.POST, prefix="notice"),
        write=lambda i, d: services.incident_notice_record(
            incident=i, by=request.user, party=d["party"], told_at=d["told_at"], note=d.get("note") or ""
        ),
        done="Recorded who was told.",
    )


@login_required
@never_cache
@require_POST
def cqc(request: AuthenticatedRequest, incident_id: str) -> HttpResponse:
    return _step(
        request,
        incident_id,
        action=Action.MANAGE_INCIDENT,
        name="cqc",
        form=lambda i: CqcForm(request.POST, prefix="cqc"),
        write=lambda i, d: services.incident_cqc_record(
            incident=i, by=request.user, notified_at=d["notified_at"], reference=d["reference"]
        ),
        done="Recorded the CQC notification.",
    )


@login_required
@never_cache
@require_POST
def candour(request: AuthenticatedRequest, incident_id: str) -> HttpResponse:
    return _step(
        request,
        incident_id,
        action=Action.MANAGE_INCIDENT,
        name="candour",
        form=lambda i: CandourForm(request.POST, prefix="candour"),
        write=lambda i, d: services.incident_candour_record(
            incident=i,
            by=request.user,
            candour=rules.CandourInput(
                told=d["told"],
                told_on=d["told_on"],
                apology=bool(d["apology"]),
                written_on=d["written_on"],
                note=d.get("note") or "",
            ),
        ),
        done="Recorded the duty of candour.",
    )


@login_required
@never_cache
@require_POST
def finding(request: AuthenticatedRequest, incident_id: str) -> HttpResponse:
    return _step(
        request,
        incident_id,
        action=Action.MANAGE_INCIDENT,
        name="finding",
        form=lambda i: FindingForm(request.POST, prefix="finding"),
        write=lambda i, d: services.incident_finding_record(incident=i, by=request.user, text=d["text"]),
        done="Recorded the finding.",
    )


@login_required
@never_cache
@require_POST
def action_add(request: AuthenticatedRequest, incident_id: str) -> HttpResponse:
    return _step(
        request,
        incident_id,
        action=Action.MANAGE_INCIDENT,
        name="action",
        form=lambda i: ActionForm(request.POST, prefix="action", owners=_owners(i)),
        write=lambda i, d: services.incident_action_add(
            incident=i, by=request.user, kind=d["kind"], what=d["what"], owner_id=d["owner"], due_on=d["due_on"]
        ),
        done="The corrective action is set.",
    )


@login_required
@never_cache
@require_POST
def action_complete(request: AuthenticatedRequest, incident_id: str, action_id: str) -> HttpResponse:
    incident = access_incident_for_user(request.user, incident_id, Action.COMPLETE_ACTION)
    corrective = access_incident_action(incident, action_id)
    name = f"complete-{corrective.pk}"
    return _step(
        request,
        incident_id,
        action=Action.COMPLETE_ACTION,
        name=name,
        form=lambda i: CompleteForm(request.POST, prefix=name),
        write=lambda i, d: services.incident_action_complete(
            incident=i, action=corrective, by=request.user, note=d["note"]
        ),
        done="The corrective action is completed.",
    )


@login_required
@never_cache
@require_POST
def sign_off(request: AuthenticatedRequest, incident_id: str) -> HttpResponse:
    return _step(
        request,
        incident_id,
        action=Action.SIGN_OFF_INCIDENT,
        name="sign_off",
        form=lambda i: SignOffForm(request.POST, prefix="sign_off"),
        write=lambda i, d: services.incident_sign_off(incident=i, by=request.user, note=d.get("note") or ""),
        done="Signed off: the incident is closed.",
    )


# --- The home panel --------------------------------------------------------------------------------------


def incidents_home_panel(request: AuthenticatedRequest) -> SafeString | None:
    """The registered manager's panel: the corrective actions overdue at their locations."""
    if not can(request.user, Action.SIGN_OFF_INCIDENT):
        return None
    count, rows = overdue_for_manager(request.user, today=clock.today())
    html = render_to_string("incidents/home_panel.html", {"count": count, "rows": rows}, request=request)
    return mark_safe(html)  # noqa: S308 (our own rendered template)


urlpatterns: list[URLPattern] = [
    path("incidents/", incidents_list, name="list"),
    path("incidents/new/", report, name="report"),
    path("incidents/<str:incident_id>/", incident_detail, name="incident"),
    path("incidents/<str:incident_id>/notices/", notice, name="notice"),
    path("incidents/<str:incident_id>/cqc-notification/", cqc, name="cqc"),
    path("incidents/<str:incident_id>/candour/", candour, name="candour"),
    path("incidents/<str:incident_id>/findings/", finding, name="finding"),
    path("incidents/<str:incident_id>/actions/", action_add, name="action_add"),
    path("incidents/<str:incident_id>/actions/<str:action_id>/complete/", action_complete, name="action_complete"),
    path("incidents/<str:incident_id>/sign-off/", sign_off, name="sign_off"),
]
