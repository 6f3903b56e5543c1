"""A governance audit from start to signature (ADR 0029): one per period, answers that are never edited, findings
that become corrective actions through the one mechanism, no signature while a question is unanswered or a "no"
needing an action has none, nothing changed once signed (an addendum instead), every refusal writing nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from carebook.actions.models import CorrectiveAction
from carebook.actions.vocab import SourceKind
from carebook.audit_log.models import AuditEvent
from carebook.audits import services
from carebook.audits.models import Audit, AuditAnswer, AuditFinding, AuditQuestion
from carebook.audits.selectors import audit_view, latest_version
from carebook.audits.services import ActionInput, AnswerInput
from carebook.audits.shipped import SHIPPED
from carebook.audits.tests.conftest import NOW, TODAY
from carebook.audits.vocab import AuditStatus
from carebook.core.append_only import AppendOnlyViolation
from carebook.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.usefixtures("templates")


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def start_daily(world, templates, by=None):
    return services.audit_start(by=by or world.tia, location_id=world.home.pk, template=templates["daily"], day=TODAY)


def questions(audit):
    return list(AuditQuestion.objects.filter(version_id=audit.version_id).order_by("position"))


def answer_all(audit, by, *, first="yes"):
    qs = questions(audit)
    given = {"yes_no": "yes", "number": "0", "text": "None"}
    rows = [AnswerInput(q.pk, first if q.position == 1 else given[q.answer_type]) for q in qs]
    return services.audit_answers_record(audit=audit, by=by, answers=rows)


def test_installing_the_shipped_templates_twice_installs_them_once(world, templates):
    assert set(templates) == {t.key for t in SHIPPED}
    services.templates_install_shipped(provider_id=world.provider.pk, starts_on=TODAY)
    assert len(latest_version(templates["daily"]).questions.all()) == len(SHIPPED[0].questions)
    assert AuditEvent.objects.filter(action="audits.template_installed").count() == 3


def test_a_team_leader_does_the_daily_audit_from_start_to_signature(world, templates):
    audit = start_daily(world, templates)
    assert (audit.period_start, audit.period_end, audit.due_on) == (
        TODAY,
        TODAY + dt.timedelta(days=1),
        TODAY + dt.timedelta(days=1),
    )
    answer_all(audit, world.tia, first="no")  # "no gaps on the MAR": no, and it needs an action
    with pytest.raises(ValidationFailed) as refused:
        services.audit_sign(audit=audit, by=world.tia)
    assert "Question 1 was answered no" in refused.value.message
    assert Audit.objects.get(pk=audit.pk).status == AuditStatus.IN_PROGRESS
    first = questions(audit)[0]
    finding = services.audit_finding_add(
        audit=audit,
        by=world.tia,
        text="Ada's 08:00 ramipril has no record.",
        question_id=first.pk,
        action=ActionInput(
            kind="supervision",
            what="Supervise Carla on the morning round",
            owner_id=world.tia.pk,
            due_on=TODAY + dt.timedelta(days=7),
        ),
    )
    action = CorrectiveAction.objects.get(pk=finding.action_id)
    assert (action.source_kind, action.source_id, action.location_id) == (SourceKind.AUDIT, audit.pk, world.home.pk)
    signed = services.audit_sign(audit=audit, by=world.tia, note="One gap, followed up.")
    assert (signed.status, signed.signed_by, signed.signed_at) == (AuditStatus.SIGNED, world.tia, NOW)
    # The action is still open after signing, and its owner completes it.
    services.audit_action_complete(audit=audit, action=action, by=world.tia, note="Supervised on 11 June.")
    assert CorrectiveAction.objects.get(pk=action.pk).completed_at == NOW


def test_a_question_answered_again_keeps_the_earlier_answer_and_only_what_changed_is_written(world, templates):
    audit = start_daily(world, templates)
    answer_all(audit, world.tia)
    again = answer_all(audit, world.tia, first="no")
    assert len(again) == 1  # only question 1 changed
    view = audit_view(audit)
    assert view.questions[0].answer.value == "no" and [a.value for a in view.questions[0].earlier] == ["yes"]
    assert AuditAnswer.objects.filter(audit=audit).count() == len(questions(audit)) + 1


def test_one_bad_answer_refuses_them_all_and_names_the_question(world, templates):
    audit = start_daily(world, templates)
    qs = questions(audit)
    number = next(q for q in qs if q.answer_type == "number")
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        services.audit_answers_record(
            audit=audit, by=world.tia, answers=[AnswerInput(qs[0].pk, "yes"), AnswerInput(number.pk, "lots")]
        )
    assert refused.value.field == f"answer-{number.pk}" and f"Question {number.position}" in refused.value.message
    assert not AuditAnswer.objects.exists() and AuditEvent.objects.count() == before


def test_a_period_is_audited_once_and_a_second_start_is_told_who_started_it(world, templates):
    audit = start_daily(world, templates)
    with pytest.raises(Conflict) as refused:
        start_daily(world, templates, by=world.maria)
    assert refused.value.code == "already_started" and refused.value.details["audit"] == str(audit.pk)
    assert "Tia Leader started this audit" in refused.value.message
    assert Audit.objects.count() == 1


def test_who_may_start_which_audit(world, templates):
    with pytest.raises(PermissionDenied):
        start_daily(world, templates, by=world.sam)  # a senior carer: not an auditor
    with pytest.raises(PermissionDenied):
        services.audit_start(by=world.tia, location_id=world.home.pk, template=templates["weekly"], day=TODAY)
    weekly = services.audit_start(by=world.maria, location_id=world.home.pk, template=templates["weekly"], day=TODAY)
    assert (weekly.period_start, weekly.due_on) == (dt.date(2026, 6, 8), dt.date(2026, 6, 17))
    with pytest.raises(NotFound):  # another provider's location: the same as missing
        services.audit_start(by=world.maria, location_id=world.elsewhere.pk, template=templates["daily"], day=TODAY)
    with pytest.raises(ValidationFailed):  # a period not started yet
        services.audit_start(
            by=world.tia, location_id=world.home.pk, template=templates["daily"], day=TODAY + dt.timedelta(days=1)
        )


def test_a_finding_has_an_action_or_a_reason_and_a_bad_action_writes_nothing(world, templates):
    audit = start_daily(world, templates)
    with pytest.raises(ValidationFailed) as refused:
        services.audit_finding_add(audit=audit, by=world.tia, text="Fridge at 9°C")
    assert refused.value.field == "no_action_reason"
    with pytest.raises(ValidationFailed) as refused:  # the owner must be of this home: carebook.actions says so
        services.audit_finding_add(
            audit=audit,
            by=world.tia,
            text="Fridge at 9°C",
            action=ActionInput(kind="other", what="Service the fridge", owner_id=world.otto.pk, due_on=TODAY),
        )
    assert refused.value.field == "owner"
    assert not AuditFinding.objects.exists() and not CorrectiveAction.objects.exists()
    noted = services.audit_finding_add(
        audit=audit, by=world.tia, text="Fridge at 9°C at 07:00", no_action_reason="Back to 5°C by 08:00; logged."
    )
    assert noted.action is None


def test_a_signed_audit_cannot_change_and_takes_an_addendum(world, templates):
    audit = start_daily(world, templates)
    answer_all(audit, world.tia)
    services.audit_sign(audit=audit, by=world.tia)
    before = AuditEvent.objects.count()
    with pytest.raises(Conflict):
        answer_all(audit, world.tia, first="no")
    with pytest.raises(Conflict):
        services.audit_finding_add(audit=audit, by=world.tia, text="late", no_action_reason="none")
    with pytest.raises(Conflict):
        services.audit_sign(audit=audit, by=world.tia)
    assert AuditEvent.objects.count() == before
    with pytest.raises(AppendOnlyViolation):
        Audit.objects.filter(pk=audit.pk).update(due_on=TODAY + dt.timedelta(days=5))
    addendum = services.audit_addendum_add(audit=audit, by=world.maria, text="The 20:00 round was checked too.")
    assert addendum.by == world.maria and addendum.at == NOW
    with pytest.raises(ValidationFailed):
        services.audit_addendum_add(audit=start_daily_other(world, templates), by=world.maria, text="x")


def start_daily_other(world, templates):
    return services.audit_start(
        by=world.tia, location_id=world.home.pk, template=templates["daily"], day=TODAY - dt.timedelta(days=1)
    )


def test_a_template_edit_is_a_new_version_and_an_audit_started_keeps_its_questions(world, templates):
    daily = templates["daily"]
    audit = start_daily(world, templates)
    version = services.template_version_add(
        template=daily,
        by=world.maria,
        title="Daily medicines audit",
        purpose="",
        change_note="Added the fridge temperature.",
        questions=[services.QuestionInput("Fridge between 2 and 8°C?", no_needs_action=True)],
    )
    assert version.number == 2 and latest_version(daily) == version
    assert len(audit_view(audit).questions) == len(SHIPPED[0].questions)  # unchanged
    later = start_daily_other(world, templates)
    assert [q.question.text for q in audit_view(later).questions] == ["Fridge between 2 and 8°C?"]
    with pytest.raises(PermissionDenied):
        services.template_version_add(
            template=daily, by=world.tia, title="x", purpose="", change_note="x", questions=[]
        )
    with pytest.raises(ValidationFailed) as refused:
        services.template_version_add(
            template=daily,
            by=world.maria,
            title="x",
            purpose="",
            change_note="x",
            questions=[services.QuestionInput("How many?", answer_type="number", no_needs_action=True)],
        )
    assert refused.value.field == "questions.1.no_needs_action"
    with pytest.raises(ValidationFailed) as refused:
        services.template_version_add(
            template=daily,
            by=world.maria,
            title="x",
            purpose="",
            change_note="x",
            questions=[services.QuestionInput("Gaps?", evidence="made_up")],
        )
    assert refused.value.field == "questions.1.evidence"
