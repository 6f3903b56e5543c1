"""The governance audits' pages: the audits of a location (overdue flagged, due now, done), one audit (its questions
with the evidence beside each, the answers, findings with their corrective actions, the sign-off, addenda), the
templates and a template's edit (a new version), and the home panel of audits due and overdue.

Thin adapters: fetch through ``access_audit_for_user`` / ``access_location_for_user`` (role → 403, out of scope →
404), call a service, render. A refused POST writes nothing (the services are atomic) and shows the error beside
its field; a success redirects back (POST/redirect/GET).
"""

from __future__ import annotations

import datetime as dt
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
from carebook.audits import rules, services
from carebook.audits.access import access_audit_action, access_audit_for_user, access_template_for_user
from carebook.audits.evidence import EVIDENCE_KEYS, evidence_for
from carebook.audits.forms import (
    ActionForm,
    AddendumForm,
    AnswersForm,
    CompleteForm,
    FindingForm,
    SignForm,
    StartForm,
    TemplateForm,
    default_due,
)
from carebook.audits.models import Audit, AuditQuestion, AuditTemplate
from carebook.audits.selectors import LOOK_BACK_DAYS, audit_view, overdue_rows, slot_rows, templates_of
from carebook.audits.vocab import AnswerType, SlotState
from carebook.core import clock
from carebook.core.errors import DomainError, NotFound, PermissionDenied
from carebook.organisations.models import Location
from carebook.people.access import access_location_for_user

NEW_QUESTION_ROWS = 3  # blank rows the template editor offers


def _refusal(error: DomainError) -> None:
    if isinstance(error, (PermissionDenied, NotFound)):
        raise error


def _errors(form: forms.Form) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    for name, errors in form.errors.items():
        anchor = "maincontent" if name == "__all__" else form[name].auto_id
        items.extend((anchor, str(message)) for message in errors)
    return items


def _put_error(form: forms.Form, error: DomainError) -> None:
    name = error.field or ""
    form.add_error(name if name in form.fields else None, error.message)


# --- A location's audits ----------------------------------------------------------------------------------


def _locations(user: User) -> list[Location]:
    return list(Location.objects.filter(scope_for(user).q("id")).order_by("name"))


@login_required
@never_cache
@require_GET
def audits_home(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, Action.VIEW_AUDITS)
    locations = _locations(request.user)
    if len(locations) == 1:
        return redirect(reverse("audits:location", args=[locations[0].pk]))
    today = clock.today()
    overdue = overdue_rows(locations, today=today)
    counts = {loc.pk: sum(1 for r in overdue if r.location.pk == loc.pk) for loc in locations}
    return render(
        request,
        "audits/home.html",
        {
            "rows": [(loc, counts[loc.pk]) for loc in locations],
            "may_edit": can(request.user, Action.EDIT_AUDIT_TEMPLATES),
        },
    )


def _location_page(
    request: AuthenticatedRequest, location: Location, *, start_form: StartForm | None = None, status: int = 200
) -> HttpResponse:
    today = clock.today()
    rows = slot_rows([location], today=today, first=today - dt.timedelta(days=LOOK_BACK_DAYS), last=today)
    rows.reverse()  # the most recent due first
    open_rows = [r for r in rows if r.state in (SlotState.OVERDUE, SlotState.DUE, SlotState.IN_PROGRESS)]
    done_rows = [r for r in rows if r.state in (SlotState.DONE_ON_TIME, SlotState.DONE_LATE)]
    overdue = [r for r in open_rows if r.state == SlotState.OVERDUE]
    user = request.user
    return render(
        request,
        "audits/location.html",
        {
            "location": location,
            "open_rows": open_rows,
            "done_rows": done_rows,
            "overdue_count": len(overdue),
            "may_conduct": {
                r.template.pk
                for r in rows
                if can(user, Action.CONDUCT_AUDIT) and rules.may_conduct(user.role, r.template.conducted_by)
            },
            "errors": _errors(start_form) if start_form is not None else [],
            "look_back": LOOK_BACK_DAYS,
            "dashboard_url": reverse("reports:location", args=[location.pk]) if can(user, Action.VIEW_REPORTS) else "",
        },
        status=status,
    )


@login_required
@never_cache
@require_GET
def location_audits(request: AuthenticatedRequest, location_id: str) -> HttpResponse:
    require(request.user, Action.VIEW_AUDITS)
    return _location_page(request, access_location_for_user(request.user, location_id))


@login_required
@never_cache
@require_POST
def audit_start(request: AuthenticatedRequest, location_id: str) -> HttpResponse:
    require(request.user, Action.CONDUCT_AUDIT)
    location = access_location_for_user(request.user, location_id)
    form = StartForm(request.POST)
    if not form.is_valid():
        return _location_page(request, location, start_form=form, status=422)
    template = access_template_for_user(request.user, form.cleaned_data["template"])
    try:
        audit = services.audit_start(
            by=request.user, location_id=location.pk, template=template, day=form.cleaned_data.get("day")
        )
    except DomainError as error:
        _refusal(error)
        started = error.details.get("audit") if error.code == "already_started" else None
        if started:  # someone started it first: open theirs
            messages.info(request, error.message)
            return redirect(reverse("audits:audit", args=[started]))
        form.add_error(None, error.message)
        return _location_page(request, location, start_form=form, status=error.status)
    return redirect(reverse("audits:audit", args=[audit.pk]))


# --- One audit ----------------------------------------------------------------------------------------------


def _owners(audit: Audit) -> list[tuple[str, str]]:
    rows = User.objects.filter(is_active=True, memberships__location_id=audit.location_id).distinct()
    return [(str(u.pk), f"{u.display_name} ({u.get_role_display()})") for u in rows.order_by("full_name")]


def _render(
    request: AuthenticatedRequest, audit: Audit, *, bound: dict[str, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    bound = bound or {}
    view = audit_view(audit)
    questions = [q.question for q in view.questions]
    today = clock.today()
    conducts = can(user, Action.CONDUCT_AUDIT) and rules.may_conduct(user.role, audit.template.conducted_by)
    in_progress = not audit.is_signed
    answers = bound.get("answers") or AnswersForm(
        questions=questions,
        initial={
            **{f"answer-{q.question.pk}": q.answer.value for q in view.questions if q.answer},
            **{f"note-{q.question.pk}": q.answer.note for q in view.questions if q.answer},
        },
    )
    finding = bound.get("finding") or FindingForm(prefix="finding", questions=questions)
    action = bound.get("action") or ActionForm(
        prefix="action", owners=_owners(audit), initial={"due_on": default_due(today).isoformat()}
    )
    errors: list[tuple[str, str]] = []
    for form in bound.values():
        errors.extend(_errors(form))
    evidence = evidence_for(view)
    action_rows = [
        {
            "action": a,
            "overdue": action_rules.is_overdue(due_on=a.due_on, completed=a.is_completed, today=today),
            "may_complete": not a.is_completed and may_complete(user, a),
            "form": bound.get(f"complete-{a.pk}") or CompleteForm(prefix=f"complete-{a.pk}"),
        }
        for a in view.actions
    ]
    return render(
        request,
        "audits/audit.html",
        {
            "audit": audit,
            "view": view,
            "rows": [
                {
                    "q": q,
                    "field": answers[f"answer-{q.question.pk}"],
                    "note": answers[f"note-{q.question.pk}"],
                    "evidence": evidence.get(q.question.evidence),
                    "yes_no": q.question.answer_type == AnswerType.YES_NO,
                    "number": q.question.answer_type == AnswerType.NUMBER,
                }
                for q in view.questions
            ],
            "action_rows": action_rows,
            "answers_form": answers,
            "finding_form": finding,
            "action_form": action,
            "sign_form": bound.get("sign") or SignForm(prefix="sign"),
            "addendum_form": bound.get("addendum") or AddendumForm(prefix="addendum"),
            "problems": view.problems if in_progress else [],
            "may_write": conducts and in_progress,
            "may_add_addendum": can(user, Action.CONDUCT_AUDIT) and not in_progress,
            "may_set_action": conducts and in_progress and can(user, Action.ASSIGN_ACTION),
            "errors": errors,
            "overdue": in_progress and today > audit.due_on,
        },
        status=status,
    )


@login_required
@never_cache
@require_GET
def audit_detail(request: AuthenticatedRequest, audit_id: str) -> HttpResponse:
    return _render(request, access_audit_for_user(request.user, audit_id))


def _questions(audit: Audit) -> list[AuditQuestion]:
    return list(AuditQuestion.objects.filter(version_id=audit.version_id))


def _done(audit: Audit, anchor: str = "") -> HttpResponse:
    return redirect(reverse("audits:audit", args=[audit.pk]) + anchor)


@login_required
@never_cache
@require_POST
def answers(request: AuthenticatedRequest, audit_id: str) -> HttpResponse:
    audit = access_audit_for_user(request.user, audit_id, Action.CONDUCT_AUDIT)
    form = AnswersForm(request.POST, questions=_questions(audit))
    if not form.is_valid():
        return _render(request, audit, bound={"answers": form}, status=422)
    try:
        written = services.audit_answers_record(
            audit=audit,
            by=request.user,
            answers=[services.AnswerInput(qid, value, note) for qid, value, note in form.given()],
        )
    except DomainError as error:
        _refusal(error)
        _put_error(form, error)
        return _render(request, audit, bound={"answers": form}, status=error.status)
    messages.success(request, f"Saved {len(written)} answer{'s' if len(written) != 1 else ''}.")
    return _done(audit, "#questions")


@login_required
@never_cache
@require_POST
def finding(request: AuthenticatedRequest, audit_id: str) -> HttpResponse:
    audit = access_audit_for_user(request.user, audit_id, Action.CONDUCT_AUDIT)
    questions = _questions(audit)
    form = FindingForm(request.POST, prefix="finding", questions=questions)
    wants_action = request.POST.get("finding-with_action") == "yes"
    action_form = ActionForm(request.POST, prefix="action", owners=_owners(audit)) if wants_action else None
    valid = form.is_valid() & (action_form.is_valid() if action_form is not None else True)
    bound: dict[str, forms.Form] = {"finding": form, **({"action": action_form} if action_form else {})}
    if not valid:
        return _render(request, audit, bound=bound, status=422)
    data = form.cleaned_data
    action = None
    if action_form is not None:
        a = action_form.cleaned_data
        action = services.ActionInput(kind=a["kind"], what=a["what"], owner_id=a["owner"], due_on=a["due_on"])
    try:
        services.audit_finding_add(
            audit=audit,
            by=request.user,
            text=data["text"],
            question_id=data.get("question") or None,
            action=action,
            no_action_reason=data.get("no_action_reason") or "",
        )
    except DomainError as error:
        _refusal(error)
        target = action_form if action_form is not None and error.field in action_form.fields else form
        _put_error(target, error)
        return _render(request, audit, bound=bound, status=error.status)
    messages.success(request, "Recorded the finding" + (" and its corrective action." if action else "."))
    return _done(audit, "#findings")


@login_required
@never_cache
@require_POST
def action_complete(request: AuthenticatedRequest, audit_id: str, action_id: str) -> HttpResponse:
    audit = access_audit_for_user(request.user, audit_id)
    action = access_audit_action(audit, action_id)
    name = f"complete-{action.pk}"
    form = CompleteForm(request.POST, prefix=name)
    if not form.is_valid():
        return _render(request, audit, bound={name: form}, status=422)
    try:
        services.audit_action_complete(audit=audit, action=action, by=request.user, note=form.cleaned_data["note"])
    except DomainError as error:
        _refusal(error)
        _put_error(form, error)
        return _render(request, audit, bound={name: form}, status=error.status)
    messages.success(request, "Completed the action.")
    return _done(audit, "#findings")


@login_required
@never_cache
@require_POST
def sign(request: AuthenticatedRequest, audit_id: str) -> HttpResponse:
    audit = access_audit_for_user(request.user, audit_id, Action.CONDUCT_AUDIT)
    form = SignForm(request.POST, prefix="sign")
    if not form.is_valid():
        return _render(request, audit, bound={"sign": form}, status=422)
    try:
        services.audit_sign(audit=audit, by=request.user, note=form.cleaned_data.get("note") or "")
    except DomainError as error:
        _refusal(error)
        form.add_error(None, error.message)
        return _render(request, audit, bound={"sign": form}, status=error.status)
    messages.success(request, "The audit is complete and signed.")
    return _done(audit)


@login_required
@never_cache
@require_POST
def addendum(request: AuthenticatedRequest, audit_id: str) -> HttpResponse:
    audit = access_audit_for_user(request.user, audit_id, Action.CONDUCT_AUDIT)
    form = AddendumForm(request.POST, prefix="addendum")
    if not form.is_valid():
        return _render(request, audit, bound={"addendum": form}, status=422)
    try:
        services.audit_addendum_add(audit=audit, by=request.user, text=form.cleaned_data["text"])
    except DomainError as error:
        _refusal(error)
        _put_error(form, error)
        return _render(request, audit, bound={"addendum": form}, status=error.status)
    messages.success(request, "Added the addendum.")
    return _done(audit, "#addenda")


# --- Templates ----------------------------------------------------------------------------------------------


@login_required
@never_cache
@require_GET
def templates_list(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, Action.VIEW_AUDITS)
    return render(
        request,
        "audits/templates.html",
        {"rows": templates_of(request.user.provider_id), "may_edit": can(request.user, Action.EDIT_AUDIT_TEMPLATES)},
    )


def _template_page(
    request: AuthenticatedRequest, template_id: str, *, form: TemplateForm | None = None, status: int = 200
) -> HttpResponse:
    template = access_template_for_user(request.user, template_id)
    versions = list(template.versions.select_related("created_by").order_by("-number"))
    latest = versions[0]
    questions = list(latest.questions.all())
    may_edit = can(request.user, Action.EDIT_AUDIT_TEMPLATES)
    if form is None and may_edit:
        rows = len(questions) + NEW_QUESTION_ROWS
        initial: dict[str, Any] = {"title": latest.title, "purpose": latest.purpose}
        for n, q in enumerate(questions, start=1):
            initial.update(
                {
                    f"q{n}-text": q.text,
                    f"q{n}-guidance": q.guidance,
                    f"q{n}-answer_type": q.answer_type,
                    f"q{n}-no_needs_action": q.no_needs_action,
                    f"q{n}-evidence": q.evidence,
                }
            )
        form = TemplateForm(rows=rows, initial=initial)
    editor = (
        [
            {name: form[f"q{n}-{name}"] for name in ("text", "guidance", "answer_type", "no_needs_action", "evidence")}
            | {"n": n}
            for n in range(1, form.rows + 1)
        ]
        if form is not None
        else []
    )
    return render(
        request,
        "audits/template.html",
        {
            "template": template,
            "latest": latest,
            "questions": questions,
            "versions": versions,
            "form": form,
            "editor": editor,
            "evidence_keys": sorted(EVIDENCE_KEYS()),
            "errors": _errors(form) if form is not None and form.is_bound else [],
            "may_edit": may_edit,
        },
        status=status,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def template_detail(request: AuthenticatedRequest, template_id: str) -> HttpResponse:
    if request.method == "GET":
        return _template_page(request, template_id)
    template = access_template_for_user(request.user, template_id, Action.EDIT_AUDIT_TEMPLATES)
    asked = request.POST.get("rows", "")
    rows = int(asked) if asked.isdigit() else 0
    form = TemplateForm(request.POST, rows=min(rows, services.MAX_QUESTIONS + NEW_QUESTION_ROWS))
    if not form.is_valid():
        return _template_page(request, template_id, form=form, status=422)
    data = form.cleaned_data
    questions = [
        services.QuestionInput(
            text=data[f"q{n}-text"],
            answer_type=data[f"q{n}-answer_type"] or AnswerType.YES_NO,
            guidance=data[f"q{n}-guidance"],
            no_needs_action=data[f"q{n}-no_needs_action"],
            evidence=data[f"q{n}-evidence"],
        )
        for n in range(1, form.rows + 1)
        if data[f"q{n}-text"]
    ]
    try:
        version = services.template_version_add(
            template=template,
            by=request.user,
            title=data["title"],
            purpose=data["purpose"],
            change_note=data["change_note"],
            questions=questions,
        )
    except DomainError as error:
        _refusal(error)
        field = error.field or ""
        if field.startswith("questions.") and field.count(".") == 2:
            _, n, part = field.split(".")
            field = f"q{n}-{part}"
        form.add_error(field if field in form.fields else None, error.message)
        return _template_page(request, template_id, form=form, status=error.status)
    messages.success(request, f"Saved version {version.number}: audits started from now on use it.")
    return redirect(reverse("audits:template", args=[template.pk]))


# --- The home panel -----------------------------------------------------------------------------------------


def audits_home_panel(request: AuthenticatedRequest) -> SafeString | None:
    """Those who do audits: the audits overdue and due today at their locations, with a link to each location."""
    user = request.user
    if not can(user, Action.CONDUCT_AUDIT):
        return None
    if user.provider_id is None or not AuditTemplate.objects.filter(provider_id=user.provider_id).exists():
        return None  # a provider that does not keep its audits in Carebook: no panel (one query)
    today = clock.today()
    locations = _locations(user)
    rows = slot_rows(locations, today=today, first=today - dt.timedelta(days=LOOK_BACK_DAYS), last=today)
    mine = [r for r in rows if rules.may_conduct(user.role, r.template.conducted_by)]
    overdue = [r for r in mine if r.state == SlotState.OVERDUE]
    due = [r for r in mine if r.state in (SlotState.DUE, SlotState.IN_PROGRESS)]
    html = render_to_string(
        "audits/home_panel.html", {"overdue": overdue, "due": due, "count": len(overdue) + len(due)}, request=request
    )
    return mark_safe(html)  # noqa: S308 (our own rendered template)


urlpatterns: list[URLPattern] = [
    path("audits/", audits_home, name="home"),
    path("audits/templates/", templates_list, name="templates"),
    path("audits/templates/<str:template_id>/", template_detail, name="template"),
    path("audits/locations/<str:location_id>/", location_audits, name="location"),
    path("audits/locations/<str:location_id>/start/", audit_start, name="start"),
    path("audits/<str:audit_id>/", audit_detail, name="audit"),
    path("audits/<str:audit_id>/answers/", answers, name="answers"),
    path("audits/<str:audit_id>/findings/", finding, name="finding"),
    path("audits/<str:audit_id>/actions/<str:action_id>/complete/", action_complete, name="action_complete"),
    path("audits/<str:audit_id>/sign/", sign, name="sign"),
    path("audits/<str:audit_id>/addenda/", addendum, name="addendum"),
]
