"""The job ``incidents.overdue_actions``: an incident's corrective action still open after its due day is told to
its owner and the registered manager, once (twice is the same as once), and flagged on the incident."""

from __future__ import annotations

import datetime as dt
import logging

import time_machine

from carebook.actions.models import CorrectiveAction
from carebook.core.jobs import run_job
from carebook.incidents import services
from carebook.incidents.tests.conftest import NOW, TODAY


def test_an_overdue_action_is_told_once_to_its_owner_and_the_manager(world, incident, caplog):
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
    caplog.set_level(logging.WARNING, logger="carebook.incidents")
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        assert run_job("incidents.overdue_actions") == 1
        assert run_job("incidents.overdue_actions") == 0
    told = [r.getMessage() for r in caplog.records if "Corrective action overdue" in r.getMessage()]
    assert len(told) == 2 and told[0].endswith("telling carla") and told[1].endswith("telling maria")
    assert CorrectiveAction.objects.get(pk=action.pk).overdue_noticed_at == NOW + dt.timedelta(days=1)
