"""Governance audits: the audits due at the caller's locations (started or not), the templates, one audit with its
questions, answers, evidence, findings, corrective actions and addenda, and its steps: start, answer, record a
finding (with its action, or why none), complete an action, sign, add an addendum.

Every audit is fetched through ``access_audit_for_user`` (another location's audit is 404, as a missing one) and
changed only by ``carebook.audits.services``: who and when are the signed-in user and the server clock. The pages
(``carebook.audits.views``) call the same functions.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from carebook.access.api import READ_ERRORS, WRITE_ERRORS, caller, user_ids
from carebook.access.policy import Action, require
from carebook.access.scopes import scope_for
from carebook.audits import services
from carebook.audits.access import access_audit_action, access_audit_for_user, access_template_for_user
from carebook.audits.api import present
from carebook.audits.api.schemas import (
    AuditAddendumIn,
    AuditAnswersIn,
    AuditCompleteIn,
    AuditDetail,
    AuditDueListOut,
    AuditFindingIn,
    AuditSignIn,
    AuditStartIn,
    AuditTemplateListOut,
)
from carebook.audits.evidence import evidence_for
from carebook.audits.models import Audit, AuditQuestion
from carebook.audits.selectors import LOOK_BACK_DAYS, audit_view, slot_rows, templates_of
from carebook.audits.vocab import SlotState
from carebook.core import clock
from carebook.organisations.models import Location
from carebook.people.access import access_location_for_user
from carebook.reports.rules import period

router = Router(tags=["audits"])

FROM = Query(None, alias="from", description="The first day (YYYY-MM-DD, the home's date).")
TO = Query(None, alias="to", description="The last day, included (default today). A span is at most 366 days.")


def _detail(audit_id: uuid.UUID) -> dict[str, Any]:
    audit = Audit.objects.select_related("location", "template", "version", "started_by", "signed_by").get(pk=audit_id)
    view = audit_view(audit)
    return present.detail(view, evidence_for(view), clock.today())


@router.get("/audits", response={200: AuditDueListOut, **READ_ERRORS}, operation_id="audits_list")
def audits_list(
    request: HttpRequest,
    location: Query[uuid.UUID | None] = None,
    state: Query[SlotState | None] = None,
    start: dt.date | None = FROM,
    last_day: dt.date | None = TO,
) -> dict[str, Any]:
    """The audits due at the caller's locations (or one) for the periods holding a day of ``from``..``to``
    (default: the last five weeks), started or not, each with its state: due, in progress, overdue, completed on
    time or late. The most recent due day first. A span longer than a year: 422."""
    user = caller(request)
    require(user, Action.VIEW_AUDITS)
    today = clock.today()
    last = last_day or today
    chosen = period(start or last - dt.timedelta(days=LOOK_BACK_DAYS), last)
    if location is not None:
        locations = [access_location_for_user(user, location)]
    else:
        locations = list(Location.objects.filter(scope_for(user).q("id")).order_by("name"))
    rows = slot_rows(locations, today=today, first=chosen.start, last=chosen.last_day)
    rows.reverse()
    if state is not None:
        rows = [r for r in rows if r.state == state]
    return {"audits": [present.due(r) for r in rows]}


@router.get(
    "/audit-templates", response={200: AuditTemplateListOut, **READ_ERRORS}, operation_id="audit_templates_list"
)
def audit_templates_list(request: HttpRequest) -> dict[str, Any]:
    """The provider's audit templates, each with its latest version's questions (what an audit started now asks)."""
    user = caller(request)
    require(user, Action.VIEW_AUDITS)
    pairs = templates_of(user.provider_id) if user.provider_id else []
    questions: dict[Any, list[AuditQuestion]] = {}
    for q in AuditQuestion.objects.filter(version_id__in=[v.pk for _, v in pairs]):
        questions.setdefault(q.version_id, []).append(q)
    pairs.sort(key=lambda p: (p[0].starts_on, p[0].key))
    return {"templates": [present.template(t, v, questions.get(v.pk, [])) for t, v in pairs]}


@router.post("/audits", response={201: AuditDetail, **WRITE_ERRORS}, operation_id="audit_start")
def audit_start(request: HttpRequest, payload: AuditStartIn) -> Status[dict[str, Any]]:
    """Start an audit (team leaders and above; the coordinator; a template done by the registered manager: only
    them). 409 ``already_started`` names the audit (``audit``) someone started first; a period not begun: 422."""
    user = caller(request)
    require(user, Action.CONDUCT_AUDIT)
    location = access_location_for_user(user, payload.location_id)
    template = access_template_for_user(user, payload.template_id)
    audit = services.audit_start(by=user, location_id=location.pk, template=template, day=payload.day)
    return Status(201, _detail(audit.pk))


@router.get("/audits/{audit_id}", response={200: AuditDetail, **READ_ERRORS}, operation_id="audit_detail")
def audit_detail(request: HttpRequest, audit_id: uuid.UUID) -> dict[str, Any]:
    """One audit: its questions with the answer that counts and those it replaced, the figure each names (for the
    audit's period and home, as of now), its findings, corrective actions, addenda, and what stands in the way of
    signing."""
    audit = access_audit_for_user(caller(request), audit_id)
    return _detail(audit.pk)


@router.post("/audits/{audit_id}/answers", response={200: AuditDetail, **WRITE_ERRORS}, operation_id="audit_answers")
def audit_answers(request: HttpRequest, audit_id: uuid.UUID, payload: AuditAnswersIn) -> dict[str, Any]:
    """Answer questions (one or all): every answer is checked before any is written; 422 names the question
    (``answer-<question id>``). 409 ``audit_signed`` once signed."""
    user = caller(request)
    audit = access_audit_for_user(user, audit_id, Action.CONDUCT_AUDIT)
    services.audit_answers_record(
        audit=audit,
        by=user,
        answers=[services.AnswerInput(a.question_id, a.value, a.note) for a in payload.answers],
    )
    return _detail(audit.pk)


@router.post("/audits/{audit_id}/findings", response={201: AuditDetail, **WRITE_ERRORS}, operation_id="audit_finding")
def audit_finding(request: HttpRequest, audit_id: uuid.UUID, payload: AuditFindingIn) -> Status[dict[str, Any]]:
    """What the audit found, with its corrective action (an owner of the home's staff, due today to a year ahead)
    or the reason none is needed. 409 ``audit_signed`` once signed."""
    user = caller(request)
    audit = access_audit_for_user(user, audit_id, Action.CONDUCT_AUDIT)
    action = None
    if payload.action is not None:
        require(user, Action.ASSIGN_ACTION)  # before the owner is looked up
        (owner_id,) = user_ids([payload.action.owner], "action.owner")
        action = services.ActionInput(
            kind=payload.action.kind.value, what=payload.action.what, owner_id=owner_id, due_on=payload.action.due_on
        )
    services.audit_finding_add(
        audit=audit,
        by=user,
        text=payload.text,
        question_id=payload.question_id,
        action=action,
        no_action_reason=payload.no_action_reason,
    )
    return Status(201, _detail(audit.pk))


@router.post(
    "/audits/{audit_id}/actions/{action_id}/complete",
    response={200: AuditDetail, **WRITE_ERRORS},
    operation_id="audit_action_complete",
)
def audit_action_complete(
    request: HttpRequest, audit_id: uuid.UUID, action_id: uuid.UUID, payload: AuditCompleteIn
) -> dict[str, Any]:
    """Complete one of the audit's corrective actions (its owner, or a team leader or above), before or after the
    audit is signed. 409 ``already_completed`` says who and when."""
    user = caller(request)
    audit = access_audit_for_user(user, audit_id)
    corrective = access_audit_action(audit, action_id)
    services.audit_action_complete(audit=audit, action=corrective, by=user, note=payload.note)
    return _detail(audit.pk)


@router.post("/audits/{audit_id}/sign", response={200: AuditDetail, **WRITE_ERRORS}, operation_id="audit_sign")
def audit_sign(request: HttpRequest, audit_id: uuid.UUID, payload: AuditSignIn) -> dict[str, Any]:
    """Complete and sign the audit: every question answered, every 'no' that needs one with a finding and its
    corrective action (422 lists what is missing). 409 ``audit_signed`` if signed already."""
    user = caller(request)
    audit = access_audit_for_user(user, audit_id, Action.CONDUCT_AUDIT)
    services.audit_sign(audit=audit, by=user, note=payload.note)
    return _detail(audit.pk)


@router.post("/audits/{audit_id}/addenda", response={201: AuditDetail, **WRITE_ERRORS}, operation_id="audit_addendum")
def audit_addendum(request: HttpRequest, audit_id: uuid.UUID, payload: AuditAddendumIn) -> Status[dict[str, Any]]:
    """Words added to a signed audit (a correction or a later fact); the audit stays as it was signed. Before
    signing: 422 (change the answers instead)."""
    user = caller(request)
    audit = access_audit_for_user(user, audit_id, Action.CONDUCT_AUDIT)
    services.audit_addendum_add(audit=audit, by=user, text=payload.text)
    return Status(201, _detail(audit.pk))
