"""Governance audits' reads: a template's latest version, an audit with everything on it, and the audits due at a
set of locations over a span of days with where each stands (``rules.slot_state``), shared by the pages, the API,
the home panel and the "audits completed on time" figure. A fixed number of queries, whatever the span."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max

from carebook.actions.models import CorrectiveAction
from carebook.actions.vocab import SourceKind
from carebook.audits import rules
from carebook.audits.models import (
    Audit,
    AuditAddendum,
    AuditAnswer,
    AuditFinding,
    AuditQuestion,
    AuditTemplate,
    AuditTemplateVersion,
)
from carebook.audits.vocab import SlotState
from carebook.core.clock import to_local
from carebook.organisations.models import Location


def latest_version(template: AuditTemplate) -> AuditTemplateVersion | None:
    return AuditTemplateVersion.objects.filter(template=template).order_by("-number").first()


def latest_versions(template_ids: Iterable[Any]) -> dict[Any, AuditTemplateVersion]:
    """Each template's latest version (two queries)."""
    ids = list(template_ids)
    numbers = dict(
        AuditTemplateVersion.objects.filter(template_id__in=ids)
        .values("template_id")
        .annotate(n=Max("number"))
        .values_list("template_id", "n")
    )
    rows = AuditTemplateVersion.objects.filter(template_id__in=ids, number__in=set(numbers.values()))
    return {v.template_id: v for v in rows if numbers.get(v.template_id) == v.number}


def templates_of(provider_id: Any) -> list[tuple[AuditTemplate, AuditTemplateVersion]]:
    templates = list(AuditTemplate.objects.filter(provider_id=provider_id))
    versions = latest_versions(t.pk for t in templates)
    return [(t, versions[t.pk]) for t in templates if t.pk in versions]


# --- Audits due -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlotRow:
    """One due audit: a template's period at a location, the audit started for it (if any), where it stands."""

    location: Location
    template: AuditTemplate
    title: str
    slot: rules.Slot
    audit: Audit | None
    state: SlotState

    @property
    def period_label(self) -> str:
        if self.slot.end - self.slot.start == rules.DAY:
            return f"{self.slot.start:%a %-d %b %Y}"
        return f"{self.slot.start:%-d %b} to {self.slot.last_day:%-d %b %Y}"


def slot_rows(
    locations: Sequence[Location], *, today: dt.date, first: dt.date, last: dt.date, by_due_day: bool = False
) -> list[SlotRow]:
    """The audits due at these locations for the periods holding a day of ``[first, last]`` (``by_due_day``: the
    periods whose due day is in it), oldest first: four queries."""
    providers = {loc.provider_id for loc in locations}
    templates = list(AuditTemplate.objects.filter(provider_id__in=providers).order_by("starts_on", "key"))
    versions = latest_versions(t.pk for t in templates)
    wanted: list[tuple[Location, AuditTemplate, rules.Slot]] = []
    for location in locations:
        for template in templates:
            if template.provider_id != location.provider_id or template.pk not in versions:
                continue
            spans = (
                rules.slots_due_between(
                    template.frequency,
                    grace_days=template.grace_days,
                    starts_on=template.starts_on,
                    first=first,
                    end=last + rules.DAY,
                )
                if by_due_day
                else rules.slots(
                    template.frequency,
                    grace_days=template.grace_days,
                    starts_on=template.starts_on,
                    first=first,
                    last=last,
                )
            )
            wanted += [(location, template, s) for s in spans if s.start <= today]
    if not wanted:
        return []
    earliest = min(s.start for _, _, s in wanted)
    audits = {
        (a.location_id, a.template_id, a.period_start): a
        for a in Audit.objects.filter(
            location_id__in=[loc.pk for loc in locations],
            template_id__in=[t.pk for t in templates],
            period_start__gte=earliest,
            period_start__lte=last,
        ).select_related("started_by", "signed_by")
    }
    rows = []
    for location, template, s in wanted:
        audit = audits.get((location.pk, template.pk, s.start))
        signed_on = to_local(audit.signed_at).date() if audit is not None and audit.signed_at else None
        state = rules.slot_state(s, today=today, started=audit is not None, signed_on=signed_on)
        rows.append(SlotRow(location, template, versions[template.pk].title, s, audit, state))
    rows.sort(key=lambda r: (r.slot.due_on, r.location.name, r.template.starts_on, r.template.key))
    return rows


LOOK_BACK_DAYS = 35  # the location page and the API list the periods of the last five weeks unless asked
OVERDUE_LOOK_BACK = dt.timedelta(days=62)  # two months: a monthly review and its grace, twice


def overdue_rows(locations: Sequence[Location], *, today: dt.date) -> list[SlotRow]:
    """The audits past their due day and not signed, in the last ``OVERDUE_LOOK_BACK``."""
    rows = slot_rows(locations, today=today, first=today - OVERDUE_LOOK_BACK, last=today)
    return [r for r in rows if r.state == SlotState.OVERDUE]


# --- One audit ------------------------------------------------------------------------------------------------


@dataclass
class QuestionView:
    question: AuditQuestion
    answer: AuditAnswer | None = None  # the latest
    earlier: list[AuditAnswer] = field(default_factory=list)
    findings: list[AuditFinding] = field(default_factory=list)


@dataclass
class AuditView:
    audit: Audit
    questions: list[QuestionView]
    findings: list[AuditFinding]  # every finding, in order (those of a question also under it)
    actions: list[CorrectiveAction]
    addenda: list[AuditAddendum]

    @property
    def problems(self) -> list[str]:
        return rules.sign_problems(_facts(self))


def answer_chains(answers: Iterable[AuditAnswer]) -> dict[Any, list[AuditAnswer]]:
    """Each question's answers, first to latest, by following what each replaces (not by the clock)."""
    by_replaced: dict[Any, AuditAnswer] = {}
    firsts: dict[Any, AuditAnswer] = {}
    for answer in answers:
        if answer.replaces_id is None:
            firsts[answer.question_id] = answer
        else:
            by_replaced[answer.replaces_id] = answer
    chains: dict[Any, list[AuditAnswer]] = {}
    for question_id, first in firsts.items():
        chain = [first]
        while chain[-1].pk in by_replaced:
            chain.append(by_replaced[chain[-1].pk])
        chains[question_id] = chain
    return chains


def latest_answers(audit: Audit) -> dict[Any, AuditAnswer]:
    """Each question's answer that counts: the one nothing replaces. One query."""
    return {q: chain[-1] for q, chain in answer_chains(AuditAnswer.objects.filter(audit=audit)).items()}


def audit_view(audit: Audit) -> AuditView:
    """Everything on an audit: its questions with their latest answers (and the earlier), its findings with their
    actions, its addenda. Five queries."""
    questions = {q.pk: QuestionView(q) for q in AuditQuestion.objects.filter(version_id=audit.version_id)}
    for question_id, chain in answer_chains(AuditAnswer.objects.filter(audit=audit).select_related("by")).items():
        view = questions.get(question_id)
        if view is not None:
            view.answer, view.earlier = chain[-1], chain[:-1]
    findings = list(
        AuditFinding.objects.filter(audit=audit).select_related("by", "action__owner", "action__completed_by")
    )
    for finding in findings:
        if finding.question_id in questions:
            questions[finding.question_id].findings.append(finding)
    actions = list(
        CorrectiveAction.objects.filter(source_kind=SourceKind.AUDIT, source_id=audit.pk).select_related(
            "owner", "completed_by"
        )
    )
    addenda = list(AuditAddendum.objects.filter(audit=audit).select_related("by"))
    ordered = sorted(questions.values(), key=lambda v: v.question.position)
    return AuditView(audit, ordered, findings, actions, addenda)


def _facts(view: AuditView) -> list[rules.QuestionFacts]:
    return [
        rules.QuestionFacts(
            position=q.question.position,
            text=q.question.text,
            answer=q.answer.value if q.answer else None,
            no_needs_action=q.question.no_needs_action,
            has_finding_with_action=any(f.action_id is not None for f in q.findings),
        )
        for q in view.questions
    ]


def question_facts(audit: Audit) -> list[rules.QuestionFacts]:
    """What the sign-off's rule weighs (read under the audit's lock)."""
    return _facts(audit_view(audit))


def audits_of(locations: Sequence[Location], *, limit: int = 200) -> list[Audit]:
    """The audits started at these locations, most recent period first."""
    return list(
        Audit.objects.filter(location__in=list(locations))
        .select_related("location", "template", "version", "started_by", "signed_by")
        .order_by("-period_start", "template__key")[:limit]
    )
