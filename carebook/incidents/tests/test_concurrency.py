"""On PostgreSQL: a corrective action set while the registered manager signs off cannot slip past "no close with an
open action" (H50). Tia's write holds the incident's row (``locks.lock_incident``) until it commits; Maria's sign-off
waits for it, then sees the open action and is refused. Without the lock her count would not see Tia's uncommitted
action, and the incident would close with it open."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
import time_machine
from django.db import connection, connections, transaction

from carebook.actions.models import CorrectiveAction
from carebook.core.errors import Conflict
from carebook.incidents import services
from carebook.incidents.models import Incident
from carebook.incidents.tests.conftest import NOW, TODAY, report
from carebook.incidents.vocab import IncidentStatus


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="two writers at once need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_an_action_set_during_sign_off_stops_the_sign_off(world):
    incident = report(world)
    with time_machine.travel(NOW, tick=False):
        services.incident_finding_record(incident=incident, by=world.maria, text="Found")
    holding, release = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def tia_sets_an_action() -> None:
        try:
            with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False), transaction.atomic():
                services.incident_action_add(
                    incident=incident,
                    by=world.tia,
                    kind="training",
                    what="Refresher",
                    owner_id=world.carla.pk,
                    due_on=TODAY + dt.timedelta(days=7),
                )
                holding.set()
                release.wait(10)  # still uncommitted, the incident's row held
            results["tia"] = "added"
        except BaseException as exc:
            results["tia"] = exc
            holding.set()
        finally:
            connections.close_all()

    def maria_signs_off() -> None:
        try:
            holding.wait(10)
            with time_machine.travel(NOW + dt.timedelta(minutes=2), tick=False):
                services.incident_sign_off(incident=incident, by=world.maria)
            results["maria"] = "signed off"
        except BaseException as exc:
            results["maria"] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tia_sets_an_action), threading.Thread(target=maria_signs_off)]
    for t in threads:
        t.start()
    holding.wait(10)
    time.sleep(0.5)  # Maria's sign-off is now waiting on the incident's row
    release.set()
    for t in threads:
        t.join(30)
    assert results["tia"] == "added"
    assert isinstance(results["maria"], Conflict) and results["maria"].code == "open_actions"
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.UNDER_REVIEW
    assert CorrectiveAction.objects.filter(source_id=incident.pk, completed_at__isnull=True).count() == 1
