"""The incidents API: report (who and when from the server, never the body), the steps, the sign-off refusals with
their codes and fields, and the detail with its timeline."""

from __future__ import annotations

import datetime as dt

import time_machine

from carebook.audit_log.models import AuditEvent
from carebook.incidents.models import Incident
from carebook.incidents.tests.conftest import NOW, TODAY
from carebook.medication.api.testing import api_as

LATER = NOW + dt.timedelta(minutes=30)


def body(world, **kw):
    return {
        "kind": "omission",
        "what_happened": "Evening dose not given",
        "occurred_at": (NOW - dt.timedelta(hours=1)).isoformat(),
        "discovered_at": NOW.isoformat(),
        "harm": "moderate",
        "person_id": str(world.ada.pk),
        "staff": ["carla"],
        **kw,
    }


@time_machine.travel(LATER, tick=False)
def test_report_then_sign_off_refused_until_everything_is_there(world):
    api = api_as(world.maria)
    created = api.post("/incidents", body(world))
    assert created.status_code == 201, created.json()
    incident = created.json()
    assert incident["reported_by"]["username"] == "maria" and incident["reported_at"].startswith("2026-06-10T09:30")
    assert incident["candour_required"] and incident["cqc_notification_required"]
    assert [s["username"] for s in incident["staff"]] == ["carla"]
    url = f"/incidents/{incident['id']}"

    refused = api.post(f"{url}/sign-off", {})
    assert (refused.status_code, refused.json()["code"]) == (422, "findings_required")
    api.post(f"{url}/findings", {"text": "Distracted by a fall"})
    added = api.post(
        f"{url}/actions",
        {
            "kind": "training",
            "what": "Refresher",
            "owner": "carla",
            "due_on": (TODAY + dt.timedelta(days=3)).isoformat(),
        },
    )
    assert added.status_code == 201
    events = AuditEvent.objects.count()
    refused = api.post(f"{url}/sign-off", {})
    assert (refused.status_code, refused.json()["code"], refused.json()["field"]) == (409, "open_actions", "actions")
    assert AuditEvent.objects.count() == events
    action_id = added.json()["actions"][0]["id"]
    completed = api_as(world.carla).post(f"{url}/actions/{action_id}/complete", {"note": "Done"})
    assert completed.status_code == 200 and completed.json()["actions"][0]["completed_by"]["username"] == "carla"
    assert api.post(f"{url}/sign-off", {}).json()["code"] == "candour_required"
    today = TODAY.isoformat()
    candour = api.post(f"{url}/candour", {"told": "family", "told_on": today, "apology": True, "written_on": today})
    assert candour.status_code == 201
    assert api.post(f"{url}/sign-off", {}).json()["code"] == "cqc_notification_required"
    assert (
        api.post(f"{url}/cqc-notification", {"notified_at": NOW.isoformat(), "reference": "CQC-5"}).status_code == 201
    )
    signed = api.post(f"{url}/sign-off", {"note": "Learning shared"})
    assert signed.status_code == 200 and signed.json()["status"] == "closed"
    detail = api.get(url).json()
    assert detail["timeline"][0]["what"] == "Reported"
    assert detail["timeline"][-1]["what"] == "Signed off and closed" and detail["sign_off_problems"] == [
        "This incident is signed off and closed."
    ]
    assert api.post(f"{url}/findings", {"text": "More"}).json()["code"] == "closed"


@time_machine.travel(LATER, tick=False)
def test_who_and_when_never_come_from_the_body_and_bad_input_names_its_field(world):
    api = api_as(world.maria)
    refused = api.post("/incidents", body(world, reported_by="tia"))
    assert refused.status_code == 422 and refused.json()["field"] == "reported_by"
    refused = api.post("/incidents", body(world, discovered_at=(NOW - dt.timedelta(hours=3)).isoformat()))
    assert (refused.status_code, refused.json()["field"]) == (422, "discovered_at")
    refused = api.post("/incidents", body(world, person_id=str(world.stranger.pk)))
    assert refused.status_code == 404
    refused = api.post("/incidents", body(world, staff=["otto"]))
    assert (refused.status_code, refused.json()["field"]) == (422, "staff")
    assert not Incident.objects.exists()
    listed = api.get("/incidents")
    assert listed.status_code == 200 and listed.json() == {"incidents": []}
