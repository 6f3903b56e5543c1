from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from carebook.audits.models import AuditTemplate
from carebook.audits.services import templates_install_shipped

# Wednesday 10 June 2026, 17:00 BST: the day's audit can be done; the week (8 to 14 June) is under way.
NOW = dt.datetime(2026, 6, 10, 16, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 6, 10)


@pytest.fixture
def templates(world):
    with time_machine.travel(NOW - dt.timedelta(days=30), tick=False):
        templates_install_shipped(provider_id=world.provider.pk, starts_on=TODAY - dt.timedelta(days=30))
    return {t.key: t for t in AuditTemplate.objects.filter(provider=world.provider)}
