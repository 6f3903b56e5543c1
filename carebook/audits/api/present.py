"""Audits → JSON. Plain functions over what the selectors read (``selectors.audit_view``, ``slot_rows``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from carebook.actions.api import action
from carebook.audits.evidence import Evidence
from carebook.audits.models import AuditAnswer, AuditQuestion, AuditTemplate, AuditTemplateVersion
from carebook.audits.selectors import AuditView, SlotRow
from carebook.medication.api.present import staff


def question(q: AuditQuestion) -> dict[str, Any]:
    return {
        "id": q.pk,
        "position": q.position,
        "text": q.text,
        "guidance": q.guidance,
        "answer_type": q.answer_type,
        "no_needs_action": q.no_needs_action,
        "evidence": q.evidence or None,
    }


def template(t: AuditTemplate, version: AuditTemplateVersion, questions: list[AuditQuestion]) -> dict[str, Any]:
    return {
        "id": t.pk,
        "key": t.key,
        "frequency": t.frequency,
        "conducted_by": t.conducted_by,
        "grace_days": t.grace_days,
        "starts_on": t.starts_on,
        "version": version.number,
        "title": version.title,
        "purpose": version.purpose,
        "questions": [question(q) for q in sorted(questions, key=lambda q: q.position)],
    }


def due(row: SlotRow) -> dict[str, Any]:
    return {
        "template_id": row.template.pk,
        "template_key": row.template.key,
        "title": row.title,
        "location_id": row.location.pk,
        "period_start": row.slot.start,
        "period_last_day": row.slot.last_day,
        "due_on": row.slot.due_on,
        "state": row.state,
        "audit_id": row.audit.pk if row.audit is not None else None,
    }


def _answer(a: AuditAnswer) -> dict[str, Any]:
    return {"id": a.pk, "value": a.value, "note": a.note, "by": staff(a.by), "at": a.at}


def _evidence(e: Evidence | None) -> dict[str, Any] | None:
    return None if e is None else {"key": e.key, "name": e.name, "value": e.value, "detail": e.detail}


def detail(view: AuditView, evidence: dict[str, Evidence], today: dt.date) -> dict[str, Any]:
    a = view.audit
    return {
        "id": a.pk,
        "template_id": a.template_id,
        "template_key": a.template.key,
        "version": a.version.number,
        "title": a.version.title,
        "location_id": a.location_id,
        "period_start": a.period_start,
        "period_last_day": a.period_end - dt.timedelta(days=1),
        "due_on": a.due_on,
        "status": a.status,
        "started_by": staff(a.started_by),
        "started_at": a.started_at,
        "signed_by": staff(a.signed_by),
        "signed_at": a.signed_at,
        "sign_note": a.sign_note,
        "questions": [
            {
                **question(q.question),
                "answer": _answer(q.answer) if q.answer is not None else None,
                "earlier": [_answer(e) for e in q.earlier],
                "evidence_figure": _evidence(evidence.get(q.question.evidence)),
            }
            for q in view.questions
        ],
        "findings": [
            {
                "id": f.pk,
                "question_id": f.question_id,
                "text": f.text,
                "action_id": f.action_id,
                "no_action_reason": f.no_action_reason,
                "by": staff(f.by),
                "at": f.at,
            }
            for f in view.findings
        ],
        "actions": [action(c, today) for c in view.actions],
        "addenda": [{"id": d.pk, "text": d.text, "by": staff(d.by), "at": d.at} for d in view.addenda],
        "sign_problems": view.problems if not a.is_signed else [],
    }
