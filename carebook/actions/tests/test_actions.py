"""Corrective actions, the one mechanism: set with an owner and a due date, completed once, overdue from the day
after their due day (the home's date), and found overdue once by the job's claim."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine

from carebook.access.scopes import scope_for
from carebook.actions import rules
from carebook.actions.models import CorrectiveAction
from carebook.actions.selectors import actions_overdue, overdue_q
from carebook.actions.services import action_add, action_complete, actions_claim_overdue
from carebook.audit_log.models import AuditEvent
from carebook.core.errors import Conflict, PermissionDenied, ValidationFailed

NOW = dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC)  # 10:00 BST
TODAY = dt.date(2026, 6, 10)


@pytest.mark.parametrize(
    ("due_on", "completed", "today", "overdue"),
    [
        (TODAY, False, TODAY, False),  # due today: not yet
        (TODAY, False, TODAY + dt.timedelta(days=1), True),  # the day after: overdue
        (TODAY, True, TODAY + dt.timedelta(days=30), False),  # done: never overdue
        (TODAY + dt.timedelta(days=3), False, TODAY, False),
    ],
)
def test_overdue_is_open_after_its_due_day(due_on, completed, today, overdue):
    assert rules.is_overdue(due_on=due_on, completed=completed, today=today) is overdue
    assert rules.days_overdue(due_on=due_on, completed=completed, today=today) == (
        (today - due_on).days if overdue else 0
    )


def _add(world, *, due_on=TODAY + dt.timedelta(days=7), owner=None, by=None):
    return action_add(
        by=by or world.maria,
        source_kind="incident",
        source_id=uuid.uuid4(),
        location_id=world.home.pk,
        kind="training",
        what="Medicines refresher",
        owner=owner or world.carla,
        due_on=due_on,
    )


def _state():
    return (
        sorted(CorrectiveAction.objects.values_list("pk", "completed_at", "completed_by", "overdue_noticed_at")),
        AuditEvent.objects.count(),
    )


@time_machine.travel(NOW, tick=False)
def test_set_then_completed_once_with_who_when_and_a_note(world):
    action = _add(world)
    assert AuditEvent.objects.filter(entity_id=str(action.pk), action="corrective_action.added").exists()
    done = action_complete(action=action, by=world.carla, note="Completed the e-learning")
    assert (done.completed_by, done.completed_at, done.completion_note) == (
        world.carla,
        NOW,
        "Completed the e-learning",
    )
    before = _state()
    with pytest.raises(Conflict) as refused:
        action_complete(action=action, by=world.maria, note="Again")
    assert refused.value.code == "already_completed" and "Carla Carer" in refused.value.message
    assert _state() == before


@time_machine.travel(NOW, tick=False)
def test_refusals_write_nothing(world):
    action = _add(world)
    before = _state()
    with pytest.raises(PermissionDenied):
        _add(world, by=world.sam)  # a senior carer does not set actions
    with pytest.raises(ValidationFailed) as past:
        _add(world, due_on=TODAY - dt.timedelta(days=1))
    assert past.value.field == "due_on"
    with pytest.raises(ValidationFailed) as elsewhere:
        _add(world, owner=world.otto)  # not staff of this home
    assert elsewhere.value.field == "owner"
    with pytest.raises(PermissionDenied):
        action_complete(action=action, by=world.sam, note="Not mine")  # not the owner, not a manager
    with pytest.raises(ValidationFailed) as blank:
        action_complete(action=action, by=world.carla, note="  ")
    assert blank.value.field == "note"
    assert _state() == before


def test_the_query_and_the_rule_agree_at_the_edges(world):
    with time_machine.travel(NOW, tick=False):
        due_today = _add(world, due_on=TODAY)
        later = _add(world, due_on=TODAY + dt.timedelta(days=2))
        done = _add(world, due_on=TODAY)
        action_complete(action=done, by=world.maria, note="Done")
    for days in range(0, 4):
        today = TODAY + dt.timedelta(days=days)
        found = set(CorrectiveAction.objects.filter(overdue_q(today)).values_list("pk", flat=True))
        expected = {
            a.pk
            for a in CorrectiveAction.objects.all()
            if rules.is_overdue(due_on=a.due_on, completed=a.completed_at is not None, today=today)
        }
        assert found == expected
        assert set(actions_overdue(scope_for(world.maria), today).values_list("pk", flat=True)) == expected
        assert set(actions_overdue(scope_for(world.otto), today)) == set()  # another home's manager sees none
    assert due_today.pk in found and later.pk in found and done.pk not in found


def test_the_claim_finds_each_overdue_action_once(world):
    with time_machine.travel(NOW, tick=False):
        action = _add(world, due_on=TODAY)
    # 23:59 local on the due day: not yet; 00:00 the next day (local, BST): overdue
    with time_machine.travel(dt.datetime(2026, 6, 10, 22, 59, tzinfo=dt.UTC), tick=False):
        from carebook.core import clock

        assert actions_claim_overdue(today=clock.today()) == []
    with time_machine.travel(dt.datetime(2026, 6, 10, 23, 0, tzinfo=dt.UTC), tick=False):
        assert [a.pk for a in actions_claim_overdue(today=clock.today())] == [action.pk]
        assert actions_claim_overdue(today=clock.today()) == []  # twice is the same as once
    assert AuditEvent.objects.filter(entity_id=str(action.pk), action="corrective_action.overdue").count() == 1
