"""Any input the incidents' forms can receive gets a page or a form error, never a 500, and a refused form writes
nothing. Hypothesis posts random values (and junk) for every field of each form, as a browser or a script could."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carebook.audit_log.models import AuditEvent
from carebook.incidents import services
from carebook.incidents.tests.conftest import NOW, TODAY, report
from carebook.medication.tests.test_pages_fuzz import junk

LATER = NOW + dt.timedelta(minutes=30)

FORMS = {
    "report": [
        "kind",
        "what_happened",
        "occurred_at",
        "discovered_at",
        "harm",
        "immediate_actions",
        "person",
        "staff",
        "alert",
    ],
    "notice": ["notice-party", "notice-told_at", "notice-note"],
    "cqc": ["cqc-notified_at", "cqc-reference"],
    "candour": ["candour-told", "candour-told_on", "candour-apology", "candour-written_on", "candour-note"],
    "finding": ["finding-text"],
    "action_add": ["action-kind", "action-what", "action-owner", "action-due_on"],
    "sign_off": ["sign_off-note"],
}


@pytest.fixture
def scene(world):
    incident = report(world)
    with time_machine.travel(NOW, tick=False):
        action = services.incident_action_add(
            incident=incident, by=world.maria, kind="training", what="Refresher", owner_id=world.carla.pk, due_on=TODAY
        )
    urls = {name: reverse(f"incidents:{name}", args=[incident.pk]) for name in FORMS if name != "report"}
    urls["report"] = reverse("incidents:report")
    urls["complete"] = reverse("incidents:action_complete", args=[incident.pk, action.pk])
    return {"urls": urls, "complete_field": f"complete-{action.pk}-note"}


FUZZ = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(which=st.sampled_from([*FORMS, "complete"]), data=st.data())
def test_the_incident_forms_never_fail_with_a_500(client, world, scene, which, data):
    fields = FORMS.get(which, [scene["complete_field"]])
    posted = data.draw(st.dictionaries(st.sampled_from(fields), junk, max_size=len(fields)))
    client.force_login(world.maria)
    before = AuditEvent.objects.count()
    with time_machine.travel(LATER, tick=False):
        response = client.post(scene["urls"][which], posted)
    assert response.status_code < 500, (which, posted, response.status_code)
    if response.status_code != 302:
        assert AuditEvent.objects.count() == before, (which, posted)


@FUZZ
@given(status=junk, alert=junk)
def test_query_strings_never_fail_with_a_500(client, world, status, alert):
    client.force_login(world.maria)
    assert client.get(reverse("incidents:list"), {"status": status}).status_code < 500
    assert client.get(reverse("incidents:report"), {"alert": alert}).status_code < 500
