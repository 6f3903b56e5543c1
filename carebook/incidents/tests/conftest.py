"""An incident for the tests: Addie's morning ramipril, not given; reported by Tia, found at 10:00."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from carebook.incidents.services import IncidentInput, incident_report

NOW = dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC)  # 10:00 BST
TODAY = dt.date(2026, 6, 10)


def report(world, *, harm: str = "none", by=None, **kw):
    with time_machine.travel(NOW, tick=False):
        return incident_report(
            by=by or world.tia,
            data=IncidentInput(
                kind=kw.pop("kind", "omission"),
                what_happened=kw.pop("what_happened", "Morning ramipril not given; found at 10:00"),
                occurred_at=NOW - dt.timedelta(hours=2),
                discovered_at=NOW - dt.timedelta(minutes=5),
                harm=harm,
                person_id=kw.pop("person_id", world.ada.pk),
                **kw,
            ),
        )


@pytest.fixture
def incident(world):
    return report(world)
