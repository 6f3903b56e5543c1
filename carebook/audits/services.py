"""Governance audits' writes: install the shipped templates, version a template, start an audit, answer its
questions, record findings (each with its corrective action, through ``carebook.actions``: the one mechanism, or
a reason why none is needed), sign it, and add an addendum once it is signed (ADR 0029).

Each runs in one transaction, audited in it; who and when are the signed-in user passed in and the server clock,
never the request. Every write to a started audit takes its row first (``locks.lock_audit``: the only lock these
take, never with a person's), so an answer or a finding cannot slip past the sign-off's checks. A refusal writes
nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from carebook.access.models import User
from carebook.access.policy import Action, require
from carebook.access.scopes import scope_for
from carebook.actions import services as actions
from carebook.actions.models import CorrectiveAction
from carebook.actions.vocab import ActionKind, SourceKind
from carebook.audit_log.services import record_event, snapshot
from carebook.audits import rules
from carebook.audits.audit import AuditsAudit
from carebook.audits.locks import lock_audit, lock_template
from carebook.audits.models import (
    Audit,
    AuditAddendum,
    AuditAnswer,
    AuditFinding,
    AuditQuestion,
    AuditTemplate,
    AuditTemplateVersion,
)
from carebook.audits.selectors import latest_answers, latest_version, question_facts
from carebook.audits.shipped import SHIPPED
from carebook.audits.vocab import AnswerType, AuditStatus
from carebook.core import clock
from carebook.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from carebook.core.ids import parse_uuid
from carebook.core.text import moment
from carebook.organisations.models import Location

MAX_QUESTIONS = 40


@dataclass(frozen=True)
class QuestionInput:
    text: str
    answer_type: str = AnswerType.YES_NO
    guidance: str = ""
    no_needs_action: bool = False
    evidence: str = ""


@dataclass(frozen=True)
class ActionInput:
    """The corrective action set with a finding (carebook.actions checks the owner and the date)."""

    kind: str
    what: str
    owner_id: int | None
    due_on: dt.date | None


# --- Templates ---------------------------------------------------------------------------------------------


def templates_install_shipped(*, provider_id: uuid.UUID, starts_on: dt.date) -> list[AuditTemplate]:
    """The three shipped templates for a provider, each with its first version (idempotent: a template already
    installed under its key is left as it is). Audited, by the system."""
    now = clock.now()
    made = []
    with transaction.atomic():
        have = set(AuditTemplate.objects.filter(provider_id=provider_id).values_list("key", flat=True))
        for shipped in SHIPPED:
            if shipped.key in have:
                continue
            template = AuditTemplate.objects.create(
                provider_id=provider_id,
                key=shipped.key,
                frequency=shipped.frequency,
                conducted_by=shipped.conducted_by,
                grace_days=shipped.grace_days,
                starts_on=starts_on,
                created_at=now,
            )
            version = _version(
                template,
                number=1,
                title=shipped.title,
                purpose=shipped.purpose,
                change_note="As shipped with Carebook.",
                by=None,
                at=now,
                questions=[
                    QuestionInput(q.text, q.answer_type, q.guidance, q.no_needs_action, q.evidence)
                    for q in shipped.questions
                ],
            )
            record_event(
                actor=None,
                action=AuditsAudit.TEMPLATE_INSTALLED,
                entity=template,
                after={**snapshot(template), "version": version.number, "title": version.title},
                at=now,
            )
            made.append(template)
    return made


def _check_questions(questions: Sequence[QuestionInput]) -> None:
    from carebook.audits.evidence import EVIDENCE_KEYS

    if not questions:
        raise ValidationFailed("A template needs at least one question.", field="questions")
    if len(questions) > MAX_QUESTIONS:
        raise ValidationFailed(f"A template has at most {MAX_QUESTIONS} questions.", field="questions")
    for n, q in enumerate(questions, start=1):
        field = f"questions.{n}"
        rules.check_text(q.text, f"{field}.text", "question")
        if q.answer_type not in AnswerType.values:
            raise ValidationFailed(f"Question {n}: choose how it is answered.", field=f"{field}.answer_type")
        if q.no_needs_action and q.answer_type != AnswerType.YES_NO:
            raise ValidationFailed(
                f"Question {n}: only a yes-or-no question can need an action for a 'no'.",
                field=f"{field}.no_needs_action",
            )
        if q.evidence and q.evidence not in EVIDENCE_KEYS():
            raise ValidationFailed(f"Question {n}: no figure called {q.evidence!r}.", field=f"{field}.evidence")


def _version(
    template: AuditTemplate,
    *,
    number: int,
    title: str,
    purpose: str,
    change_note: str,
    by: User | None,
    at: dt.datetime,
    questions: Sequence[QuestionInput],
) -> AuditTemplateVersion:
    version = AuditTemplateVersion.objects.create(
        template=template,
        number=number,
        title=title.strip(),
        purpose=purpose.strip(),
        change_note=change_note.strip(),
        created_by=by,
        created_at=at,
    )
    AuditQuestion.objects.bulk_create(
        [
            AuditQuestion(
                version=version,
                position=n,
                text=q.text.strip(),
                guidance=q.guidance.strip(),
                answer_type=q.answer_type,
                no_needs_action=q.no_needs_action,
                evidence=q.evidence,
            )
            for n, q in enumerate(questions, start=1)
        ]
    )
    return version


def template_version_add(
    *,
    template: AuditTemplate,
    by: User,
    title: str,
    purpose: str,
    change_note: str,
    questions: Sequence[QuestionInput],
) -> AuditTemplateVersion:
    """A provider's edit of a template: a new version (audits already started keep the questions they had)."""
    require(by, Action.EDIT_AUDIT_TEMPLATES)
    if template.provider_id != by.provider_id:
        raise NotFound("No audit template with that id.", field="template")
    rules.check_text(title, "title", "title")
    rules.check_text(change_note, "change_note", "note of what changed")
    _check_questions(questions)
    now = clock.now()
    with transaction.atomic():
        lock_template(template.pk)
        before = latest_version(template)
        version = _version(
            template,
            number=(before.number + 1) if before else 1,
            title=title,
            purpose=purpose,
            change_note=change_note,
            by=by,
            at=now,
            questions=questions,
        )
        record_event(
            actor=by,
            action=AuditsAudit.TEMPLATE_VERSIONED,
            entity=template,
            before={"version": before.number, "title": before.title} if before else None,
            after={"version": version.number, "title": version.title, "questions": len(questions)},
            at=now,
        )
    return version


# --- An audit ----------------------------------------------------------------------------------------------


def _check_conducts(by: User, template: AuditTemplate) -> None:
    require(by, Action.CONDUCT_AUDIT)
    if not rules.may_conduct(by.role, template.conducted_by):
        raise PermissionDenied(f"Only the {template.get_conducted_by_display().lower()} may do this audit.")


def audit_start(*, by: User, location_id: uuid.UUID, template: AuditTemplate, day: dt.date | None) -> Audit:
    """Start the audit of the template's period holding ``day`` (today by default) at a location in the user's
    scope. One per period: a second start is told who started it."""
    _check_conducts(by, template)
    location = Location.objects.filter(scope_for(by).q("id"), pk=location_id).first()
    if location is None or location.provider_id != template.provider_id:
        raise NotFound("No location with that id.", field="location")
    today = clock.today()
    slot = rules.slot_for(template.frequency, day or today, template.grace_days)
    rules.check_may_start(slot, today=today)
    if slot.start < template.starts_on:
        raise ValidationFailed("This template's audits start after that period.", field="period_start")
    version = latest_version(template)
    if version is None:  # a template is made with its first version: kept as a guard
        raise ValidationFailed("This template has no questions yet.", field="template")
    now = clock.now()
    try:
        with transaction.atomic():
            audit = Audit.objects.create(
                location=location,
                template=template,
                version=version,
                period_start=slot.start,
                period_end=slot.end,
                due_on=slot.due_on,
                started_by=by,
                started_at=now,
            )
            record_event(
                actor=by,
                action=AuditsAudit.AUDIT_STARTED,
                entity=audit,
                location=location.pk,
                after=snapshot(audit),
                at=now,
            )
    except IntegrityError:
        other = Audit.objects.select_related("started_by").get(
            location=location, template=template, period_start=slot.start
        )
        raise Conflict(
            f"{other.started_by.display_name} started this audit at {moment(other.started_at)}.",
            code="already_started",
            audit=str(other.pk),
        ) from None
    return audit


def _in_progress(audit: Audit) -> Audit:
    current = lock_audit(audit.pk)
    if current.status != AuditStatus.IN_PROGRESS:
        raise Conflict("This audit is signed: it cannot be changed. Add an addendum instead.", code="audit_signed")
    return current


def _question(audit: Audit, question_id: object) -> AuditQuestion:
    qid = parse_uuid(question_id)
    question = AuditQuestion.objects.filter(version_id=audit.version_id, pk=qid).first() if qid else None
    if question is None:
        raise ValidationFailed("That question is not on this audit.", field="question")
    return question


@dataclass(frozen=True)
class AnswerInput:
    question_id: uuid.UUID
    value: str
    note: str = ""


def audit_answers_record(*, audit: Audit, by: User, answers: Sequence[AnswerInput]) -> list[AuditAnswer]:
    """Answer questions, several at once (the page's one form): every answer is checked before any is written,
    and only what changed is written (a question answered again: the later row counts until the audit is signed;
    the earlier stays). A refusal names the question and writes nothing."""
    _check_conducts(by, audit.template)
    questions = {q.pk: q for q in AuditQuestion.objects.filter(version_id=audit.version_id)}
    cleaned: list[tuple[AuditQuestion, str, str]] = []
    for given in answers:
        question = questions.get(given.question_id)
        if question is None:
            raise ValidationFailed("That question is not on this audit.", field="question")
        try:
            value = rules.clean_answer(question.answer_type, given.value)
        except ValidationFailed as error:
            raise ValidationFailed(
                f"Question {question.position}: {error.message}", field=f"answer-{question.pk}"
            ) from None
        cleaned.append((question, value, given.note.strip()[:5000]))
    now = clock.now()
    written = []
    with transaction.atomic():
        _in_progress(audit)
        latest = latest_answers(audit)
        for question, value, note in cleaned:
            before = latest.get(question.pk)
            if before is not None and (before.value, before.note) == (value, note):
                continue
            answer = AuditAnswer.objects.create(
                audit=audit, question=question, value=value, note=note, replaces=before, by=by, at=now
            )
            record_event(
                actor=by,
                action=AuditsAudit.AUDIT_ANSWERED,
                entity=answer,
                location=audit.location_id,
                before={"value": before.value, "note": before.note} if before else None,
                after=snapshot(answer),
                at=now,
            )
            written.append(answer)
    return written


def audit_finding_add(
    *,
    audit: Audit,
    by: User,
    text: str,
    question_id: uuid.UUID | None = None,
    action: ActionInput | None = None,
    no_action_reason: str = "",
) -> AuditFinding:
    """What the audit found, with its corrective action (set through carebook.actions, owner and due date) or
    the reason none is needed. Before the audit is signed."""
    _check_conducts(by, audit.template)
    question = _question(audit, question_id) if question_id is not None else None
    rules.check_finding(text=text, with_action=action is not None, no_action_reason=no_action_reason)
    now = clock.now()
    with transaction.atomic():
        _in_progress(audit)
        corrective: CorrectiveAction | None = None
        if action is not None:
            owner = User.objects.filter(pk=action.owner_id).first() if action.owner_id is not None else None
            corrective = actions.action_add(
                by=by,
                source_kind=SourceKind.AUDIT,
                source_id=audit.pk,
                location_id=audit.location_id,
                kind=action.kind or ActionKind.OTHER,
                what=action.what,
                owner=owner,
                due_on=action.due_on,
            )
        finding = AuditFinding.objects.create(
            audit=audit,
            question=question,
            text=rules.check_text(text, "text", "finding"),
            action=corrective,
            no_action_reason="" if corrective else no_action_reason.strip(),
            by=by,
            at=now,
        )
        record_event(
            actor=by,
            action=AuditsAudit.AUDIT_FINDING_RECORDED,
            entity=finding,
            location=audit.location_id,
            after=snapshot(finding),
            at=now,
        )
    return finding


def audit_action_complete(*, audit: Audit, action: CorrectiveAction, by: User, note: str) -> CorrectiveAction:
    """Complete one of this audit's actions (its owner, or a team leader or above), before or after signing."""
    if action.source_kind != SourceKind.AUDIT or action.source_id != audit.pk:
        raise NotFound("No corrective action with that id on this audit.")
    with transaction.atomic():
        lock_audit(audit.pk)
        return actions.action_complete(action=action, by=by, note=note)


def audit_sign(*, audit: Audit, by: User, note: str = "") -> Audit:
    """Complete and sign the audit: refused (nothing written) while a question is unanswered or a "no" that needs
    an action has no finding with one. Once signed nothing on it changes."""
    _check_conducts(by, audit.template)
    now = clock.now()
    with transaction.atomic():
        current = _in_progress(audit)
        rules.check_sign(question_facts(current))
        changed = Audit.objects.filter(pk=audit.pk, status=AuditStatus.IN_PROGRESS).update(
            status=AuditStatus.SIGNED, signed_by=by, signed_at=now, sign_note=note.strip()[:5000]
        )
        if not changed:  # under the row lock the status cannot have moved; kept as a guard
            raise Conflict("This audit is signed already.", code="audit_signed")
        record_event(
            actor=by,
            action=AuditsAudit.AUDIT_SIGNED,
            entity=audit,
            location=audit.location_id,
            before={"status": AuditStatus.IN_PROGRESS},
            after={"status": AuditStatus.SIGNED, "signed_by": by.pk, "note": note.strip()[:5000]},
            at=now,
        )
    audit.refresh_from_db()
    return audit


def audit_addendum_add(*, audit: Audit, by: User, text: str) -> AuditAddendum:
    """Words added to a signed audit (a correction, a later fact): the audit stays as it was signed."""
    require(by, Action.CONDUCT_AUDIT)
    cleaned = rules.check_text(text, "text", "addendum")
    now = clock.now()
    with transaction.atomic():
        current = lock_audit(audit.pk)
        if current.status != AuditStatus.SIGNED:
            raise ValidationFailed("Change the answers instead: an addendum is for a signed audit.", field="text")
        addendum = AuditAddendum.objects.create(audit=audit, text=cleaned, by=by, at=now)
        record_event(
            actor=by,
            action=AuditsAudit.AUDIT_ADDENDUM_ADDED,
            entity=addendum,
            location=audit.location_id,
            after=snapshot(addendum),
            at=now,
        )
    return addendum
