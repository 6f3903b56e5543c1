"""The job ``incidents.overdue_actions``: an incident's corrective action still open after its due day is told to
its owner and the registered manager, once (twice is the same as once), and flagged on the incident."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.db import OperationalError

from carebook.actions.models import CorrectiveAction
from carebook.core.jobs import run_job
from carebook.incidents import jobs, services
from carebook.incidents.jobs import overdue_key
from carebook.incidents.tests.conftest import NOW, TODAY, report
from carebook.notifications.models import Notification


def test_an_overdue_action_is_told_once_to_its_owner_and_the_manager(world, incident):
    with time_machine.travel(NOW, tick=False):
        action = services.incident_action_add(
            incident=incident,
            by=world.tia,
            kind="supervision",
            what="Supervise a round",
            owner_id=world.carla.pk,
            due_on=TODAY,
        )
    with time_machine.travel(NOW + dt.timedelta(hours=12), tick=False):  # 22:00 BST on its due day: not yet
        assert run_job("incidents.overdue_actions") == 0
    assert not Notification.objects.filter(key=overdue_key(action)).exists()
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        assert run_job("incidents.overdue_actions") == 1
        assert run_job("incidents.overdue_actions") == 0
    told = Notification.objects.filter(key=overdue_key(action)).select_related("recipient")
    assert sorted(n.recipient.username for n in told) == ["carla", "maria"]
    for n in told:
        assert n.link == f"/incidents/{incident.pk}/" and n.subject.startswith("Corrective action overdue at")
        assert "Carla" not in n.body and "Supervise" not in n.body  # emailed: no names, no details (H55)
    assert not mail.outbox  # queued for the sender job, never sent inline
    assert CorrectiveAction.objects.get(pk=action.pk).overdue_noticed_at == NOW + dt.timedelta(days=1)


def test_a_telling_that_failed_after_its_claim_is_made_at_the_next_run(world, incident, monkeypatch):
    """The claim commits before the telling: if the telling fails (the database went away between the two), the
    next run tells, though nothing is newly overdue."""
    with time_machine.travel(NOW, tick=False):
        action = services.incident_action_add(
            incident=incident, by=world.tia, kind="training", what="Refresher", owner_id=world.carla.pk, due_on=TODAY
        )

    def lost(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        monkeypatch.setattr(jobs, "notify", lost)
        with pytest.raises(OperationalError):
            jobs.tell_overdue_actions()
        assert CorrectiveAction.objects.get(pk=action.pk).overdue_noticed_at is not None  # claimed
        assert not Notification.objects.filter(key=overdue_key(action)).exists()
        monkeypatch.undo()
        assert jobs.tell_overdue_actions() == 0  # nothing newly overdue ...
    assert Notification.objects.filter(key=overdue_key(action)).count() == 2  # ... and both are told


def test_the_managers_digest_counts_incidents_by_harm_those_not_signed_off_and_overdue_actions(world, incident):
    with time_machine.travel(NOW, tick=False):
        services.incident_action_add(
            incident=incident, by=world.tia, kind="training", what="Refresher", owner_id=world.carla.pk, due_on=TODAY
        )
    report(world, harm="moderate", what_happened="Given twice")
    locations = [world.ada.location]
    lines = jobs.incidents_digest(world.maria, locations, TODAY + dt.timedelta(days=1))
    assert lines == [
        "Reported yesterday: 2.",
        "Reported yesterday, no harm: 1",
        "Reported yesterday, moderate harm: 1",
        "Not yet signed off: 2.",
        "Corrective actions overdue: 1.",
    ]
    # The day they were reported, nothing was reported "yesterday" and the action was not yet overdue.
    assert jobs.incidents_digest(world.maria, locations, TODAY) == [
        "None reported yesterday.",
        "Not yet signed off: 2.",
        "No corrective action overdue.",
    ]
    assert "Ada" not in " ".join(lines)  # emailed: counts only (H55)
