"""The alerts pages: the dashboard (and its fragment, polled), one alert with its steps, and its three POSTs.

Thin adapters: fetch through ``access_alert_for_user`` or the selectors (role → 403, out of scope → 404), call a
lifecycle service, render. Who and when come from the session and the server clock. A refused POST writes nothing
(the services are atomic) and shows the error beside its field; a success redirects back (POST/redirect/GET).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from carebook.access.http import AuthenticatedRequest
from carebook.access.policy import Action, can, require
from carebook.access.scopes import scope_for
from carebook.alerts.access import access_alert_for_user
from carebook.alerts.forms import ResolveForm, StepForm
from carebook.alerts.lifecycle import alert_acknowledge, alert_action_record, alert_resolve
from carebook.alerts.models import Alert, AlertAction
from carebook.alerts.selectors import alert_actions, alert_records, alerts_dashboard
from carebook.alerts.vocab import (
    STAFF_KINDS,
    ActionKind,
    AlertStatus,
    CareWorkerAnswer,
    EscalatedTo,
    Informed,
    Outcome,
    Professional,
    outcome_label,
)
from carebook.core import clock
from carebook.core.errors import DomainError, NotFound, PermissionDenied
from carebook.core.ids import parse_uuid
from carebook.core.text import duration, moment
from carebook.medication.models import DueDose, Prescription
from carebook.medication.vocab import PrescriptionStatus
from carebook.organisations.models import Location

HOME_PANEL_SIZE = 5
POLL_SECONDS = 30

# --- The dashboard ---------------------------------------------------------------------------------------


@dataclass
class Row:
    """One alert as a list shows it."""

    alert: Alert
    raised_ago: str
    raised: str
    due: str
    status: str


def _status_text(alert: Alert) -> str:
    if alert.status == AlertStatus.ACKNOWLEDGED and alert.acknowledged_by is not None and alert.acknowledged_at:
        return f"Acknowledged by {alert.acknowledged_by.display_name} at {moment(alert.acknowledged_at)}"
    if alert.status == AlertStatus.RESOLVED and alert.resolved_by is not None and alert.resolved_at:
        return f"Resolved by {alert.resolved_by.display_name} at {moment(alert.resolved_at)}"
    if alert.escalated_to != EscalatedTo.SHIFT and alert.escalated_at is not None:
        who = EscalatedTo.label_of(alert.escalated_to).lower()
        return f"Open: nobody acknowledged it in time; escalated to {who} at {moment(alert.escalated_at)}"
    return "Open: nobody has acknowledged it yet"


def _row(alert: Alert, now: dt.datetime) -> Row:
    return Row(
        alert=alert,
        raised_ago=f"{duration(now - alert.raised_at)} ago",
        raised=moment(alert.raised_at),
        due=moment(alert.due_at) if alert.due_at else "",
        status=_status_text(alert),
    )


def _chosen_location(request: AuthenticatedRequest) -> Location | None:
    """``?location=``: one of the user's locations (another, or nonsense: the same 404 as missing)."""
    raw = request.GET.get("location", "")
    if not raw:
        return None
    location_id = parse_uuid(raw)
    location = Location.objects.filter(scope_for(request.user).q("id"), pk=location_id).first() if location_id else None
    if location is None:
        raise NotFound("No location with that id.")
    return location


def _dashboard_context(request: AuthenticatedRequest) -> dict[str, Any]:
    require(request.user, Action.VIEW_ALERTS)
    location = _chosen_location(request)
    board = alerts_dashboard(request.user, location_id=location.pk if location is not None else None)
    now = clock.now()
    query = f"?location={location.pk}" if location is not None else ""
    return {
        "board": board,
        "needs_attention": [_row(a, now) for a in board.needs_attention],
        "cleared": [_row(a, now) for a in board.cleared],
        "location": location,
        "fragment_url": reverse("alerts:dashboard_fragment") + query,
        "poll_seconds": POLL_SECONDS,
        "now": now,
    }


@login_required
@never_cache
@require_GET
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    context = _dashboard_context(request)
    ids = scope_for(request.user).location_ids()
    places = list(Location.objects.filter(pk__in=ids).order_by("name"))
    context["locations"] = places if len(ids) > 1 else []
    # The registered manager changes when alerts are raised, per location (alerts.threshold_views).
    context["threshold_places"] = places if can(request.user, Action.SET_ALERT_THRESHOLDS) else []
    return render(request, "alerts/dashboard.html", context)


@login_required
@never_cache
@require_GET
def dashboard_fragment(request: AuthenticatedRequest) -> HttpResponse:
    """The lists (and, out of band, the counts) the dashboard polls: checked exactly as the page is."""
    return render(request, "alerts/dashboard_fragment.html", {**_dashboard_context(request), "oob": True})


def alerts_home_panel(request: AuthenticatedRequest) -> SafeString | None:
    """The panel that leads the home page: the counts and the five needing attention most."""
    if not can(request.user, Action.VIEW_ALERTS):
        return None
    board = alerts_dashboard(request.user, limit=HOME_PANEL_SIZE)
    now = clock.now()
    html = render_to_string(
        "alerts/home_panel.html",
        {"board": board, "rows": [_row(a, now) for a in board.needs_attention]},
        request=request,
    )
    return mark_safe(html)  # noqa: S308 (our own rendered template)


# --- One alert -------------------------------------------------------------------------------------------


@dataclass
class Step:
    """One line of the alert's timeline."""

    what: str
    details: list[str]
    by: str
    at: dt.datetime
    link: tuple[str, str] | None = None  # (label, url)

    @property
    def when(self) -> str:
        return moment(self.at)


def _action_step(action: AlertAction) -> Step:
    details: list[str] = []
    link = None
    if action.kind == ActionKind.CONTACTED_CARE_WORKER and action.answer:
        details.append(f"The care worker said: {action.get_answer_display()}")
    if action.kind == ActionKind.ESCALATED:
        details.append(f"Asked: {action.get_professional_display()}")
        details.append(f"Advice: {action.advice}")
    if action.kind == ActionKind.ADVICE_OUTCOME:
        details.append(f"Outcome: {action.get_outcome_display()}")
        if action.new_prescription is not None:
            rx = action.new_prescription
            link = (f"New prescription: {rx.medicine}", reverse("medication:prescription", args=[rx.pk]))
        if action.observe_what:
            until = f" until {moment(action.observe_until)}" if action.observe_until else ""
            details.append(f"Observe: {action.observe_what}{until}")
    if action.kind == ActionKind.INFORMED and action.informed:
        details.append(f"Told: {action.get_informed_display()}")
    if action.note:
        details.append(f"Note: {action.note}")
    return Step(what=action.get_kind_display(), details=details, by=action.by.display_name, at=action.at, link=link)


def _timeline(alert: Alert, actions: list[AlertAction]) -> list[Step]:
    steps = [Step(what="Raised by the system", details=[alert.summary], by="Carebook", at=alert.raised_at)]
    if alert.cleared_at is not None:
        steps.append(Step(what="Cleared by itself", details=[alert.cleared_reason], by="Carebook", at=alert.cleared_at))
    if alert.acknowledged_by is not None and alert.acknowledged_at is not None:
        steps.append(
            Step(what="Acknowledged", details=[], by=alert.acknowledged_by.display_name, at=alert.acknowledged_at)
        )
    steps.extend(_action_step(a) for a in actions)
    if alert.resolved_by is not None and alert.resolved_at is not None:
        outcome = outcome_label(alert.outcome)
        steps.append(
            Step(
                what="Resolved",
                details=[f"Outcome: {outcome}"],
                by=alert.resolved_by.display_name,
                at=alert.resolved_at,
            )
        )
    return sorted(steps, key=lambda s: s.at)


def _current_prescriptions(alert: Alert) -> list[tuple[str, str]]:
    """The person's current prescriptions, for "medication changed": the new version is one of them."""
    if alert.person_id is None:
        return []
    rows = (
        Prescription.objects.filter(
            person_id=alert.person_id, status__in=[PrescriptionStatus.ACTIVE, PrescriptionStatus.SUSPENDED]
        )
        .select_related("medicine")
        .order_by("medicine__name", "-entered_at")
    )
    return [(str(rx.pk), f"{rx.medicine}: {rx.directions} (entered {moment(rx.entered_at)})") for rx in rows]


def _error_list(form: Any, anchors: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(anchor, message) for the error summary; the anchor is the field's first input (its id is the name)."""
    items: list[tuple[str, str]] = []
    for name, errors in form.errors.items():
        anchor = "maincontent" if name == "__all__" else (anchors or {}).get(name, name)
        items.extend((anchor, str(message)) for message in errors)
    return items


def _render_alert(
    request: AuthenticatedRequest,
    alert: Alert,
    *,
    step_form: StepForm | None = None,
    resolve_form: ResolveForm | None = None,
    problems: list[tuple[str, str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    actions = alert_actions(alert)
    may_decide = can(user, Action.ACKNOWLEDGE_ALERT)
    resolved = alert.status == AlertStatus.RESOLVED
    may_record = can(user, Action.RECORD_ALERT_ACTION) and not resolved
    if step_form is None and may_record:
        step_form = StepForm(
            prescriptions=_current_prescriptions(alert) if may_decide else [],
            may_decide=may_decide,
            about_staff=alert.kind in STAFF_KINDS,
        )
    errors = list(problems or [])
    if step_form is not None and step_form.is_bound:
        errors.extend(_error_list(step_form))
    if resolve_form is not None and resolve_form.is_bound:
        errors.extend(_error_list(resolve_form, {"note": "resolve_note"}))
    has_outcome = any(a.kind == ActionKind.ADVICE_OUTCOME for a in actions)
    records: list[tuple[str, str]] = []
    if alert.person is not None:  # an alert about a member of staff has no person (ADR 0030)
        records.append((alert.person.full_name, reverse("people:person", args=[alert.person_id])))
    if alert.prescription is not None:
        records.append(
            (
                f"Prescription: {alert.prescription.medicine}",
                reverse("medication:prescription", args=[alert.prescription_id]),
            )
        )
    if (
        alert.due_dose is not None
        and alert.due_dose.state == DueDose.State.PENDING
        and can(user, Action.RECORD_ADMINISTRATION)
    ):
        records.append(("Record the due dose", reverse("medication:record_dose", args=[alert.due_dose_id])))
    if alert.visit is not None:
        visit = alert.visit
        records.append(
            (
                f"The {visit.get_label_display().lower()} visit on {visit.assigned_to.display_name}'s run",
                reverse("medication:visit", args=[visit.pk]),
            )
        )
    records.extend(_records_behind(alert))
    context = {
        "alert": alert,
        "row": _row(alert, clock.now()),
        "timeline": _timeline(alert, actions),
        "records": records,
        "may_acknowledge": may_decide and alert.status == AlertStatus.OPEN,
        "step_form": step_form if may_record else None,
        "may_decide": may_decide,
        "kinds": step_form.fields["kind"].choices if step_form is not None else [],  # type: ignore[attr-defined]
        "vocab": _vocab(),
        "may_resolve": can(user, Action.RESOLVE_ALERT) and not resolved,
        "has_outcome": has_outcome,
        "resolve_form": resolve_form or ResolveForm(),
        "errors": errors,
        "outcome_label": outcome_label(alert.outcome),
        "now_local": clock.to_local(clock.now()),
        # "Open an incident" (carebook.incidents, above this app: named by its route only, never imported).
        "incident_report_url": (
            reverse("incidents:report") + f"?alert={alert.pk}" if can(user, Action.REPORT_INCIDENT) else ""
        ),
        # The registered manager may change when this prescription's alerts are raised (ADR 0026).
        "thresholds_url": reverse("alerts:prescription_thresholds", args=[alert.prescription_id])
        if alert.prescription_id is not None and can(user, Action.SET_ALERT_THRESHOLDS)
        else "",
    }
    return render(request, "alerts/alert.html", context, status=status)


def _records_behind(alert: Alert) -> list[tuple[str, str]]:
    """Each record behind the alert, in words, linked: a dose record to its day on the person's MAR chart, an
    allergy decision to its prescription."""
    links = []
    for r in alert_records(alert):
        if r.administration is not None:
            a = r.administration
            month = f"{clock.to_local(a.administered_at):%Y-%m}"
            label = (
                f"{a.get_outcome_display()} at {moment(a.administered_at)}, recorded by "
                f"{a.recorded_by.display_name} at {moment(a.recorded_at)}"
            )
            links.append((label, f"{reverse('medication:mar', args=[a.person_id])}?month={month}"))
        elif r.due_dose is not None:
            month = f"{clock.to_local(r.due_dose.scheduled_at):%Y-%m}"
            label = f"Dose due at {moment(r.due_dose.scheduled_at)}: {r.due_dose.get_state_display().lower()}"
            links.append((label, f"{reverse('medication:mar', args=[r.due_dose.person_id])}?month={month}"))
        elif r.allergy_decision is not None:
            d = r.allergy_decision
            label = f"Allergy decision by {d.decided_by.display_name} at {moment(d.decided_at)}: {d.reason}"
            links.append((label, reverse("medication:prescription", args=[d.prescription_id])))
    return links


def _vocab() -> dict[str, Any]:
    return {
        "answers": CareWorkerAnswer.choices,
        "professionals": Professional.choices,
        "outcomes": Outcome.choices,
        "informed": Informed.choices,
        "medication_changed": Outcome.MEDICATION_CHANGED.value,
        "observe": Outcome.OBSERVE.value,
    }


@login_required
@never_cache
@require_GET
def alert_detail(request: AuthenticatedRequest, alert_id: str) -> HttpResponse:
    alert = access_alert_for_user(request.user, alert_id)
    return _render_alert(request, alert)


def _back(alert: Alert) -> HttpResponse:
    return redirect(reverse("alerts:alert", args=[alert.pk]))


def _refusal(error: DomainError) -> DomainError:
    """Role and scope refusals are not form errors: they answer 403 and 404 (the middleware)."""
    if isinstance(error, (PermissionDenied, NotFound)):
        raise error
    return error


@login_required
@never_cache
@require_POST
def alert_acknowledge_view(request: AuthenticatedRequest, alert_id: str) -> HttpResponse:
    alert = access_alert_for_user(request.user, alert_id, Action.ACKNOWLEDGE_ALERT)
    try:
        alert_acknowledge(alert=alert, by=request.user)
    except DomainError as error:
        _refusal(error)
        alert.refresh_from_db()
        return _render_alert(request, alert, problems=[("maincontent", error.message)], status=error.status)
    messages.success(request, f"You acknowledged the alert for {alert.about}.")
    return _back(alert)


@login_required
@never_cache
@require_POST
def alert_step(request: AuthenticatedRequest, alert_id: str) -> HttpResponse:
    alert = access_alert_for_user(request.user, alert_id, Action.RECORD_ALERT_ACTION)
    may_decide = can(request.user, Action.ACKNOWLEDGE_ALERT)
    form = StepForm(
        request.POST,
        prescriptions=_current_prescriptions(alert) if may_decide else [],
        may_decide=may_decide,
        about_staff=alert.kind in STAFF_KINDS,
    )
    if not form.is_valid():
        return _render_alert(request, alert, step_form=form, status=422)
    try:
        alert_action_record(
            alert=alert, by=request.user, step=form.step(), new_prescription_id=form.new_prescription_id()
        )
    except DomainError as error:
        _refusal(error)
        field = error.field if error.field in form.fields else None
        form.add_error(field, error.message)
        return _render_alert(request, alert, step_form=form, status=error.status)
    messages.success(request, f"Recorded: {ActionKind(form.cleaned_data['kind']).label}.")
    return _back(alert)


@login_required
@never_cache
@require_POST
def alert_resolve_view(request: AuthenticatedRequest, alert_id: str) -> HttpResponse:
    alert = access_alert_for_user(request.user, alert_id, Action.RESOLVE_ALERT)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        return _render_alert(request, alert, resolve_form=form, status=422)
    try:
        alert_resolve(alert=alert, by=request.user, note=form.cleaned_data.get("note") or "")
    except DomainError as error:
        _refusal(error)
        form.add_error("note" if error.field == "note" else None, error.message)
        alert.refresh_from_db()
        return _render_alert(request, alert, resolve_form=form, status=error.status)
    messages.success(request, f"Resolved: the alert for {alert.about}.")
    return _back(alert)


urlpatterns: list[URLPattern] = [
    path("alerts/", dashboard, name="dashboard"),
    path("alerts/list/", dashboard_fragment, name="dashboard_fragment"),
    path("alerts/<str:alert_id>/", alert_detail, name="alert"),
    path("alerts/<str:alert_id>/acknowledge/", alert_acknowledge_view, name="acknowledge"),
    path("alerts/<str:alert_id>/steps/", alert_step, name="step"),
    path("alerts/<str:alert_id>/resolve/", alert_resolve_view, name="resolve"),
]
