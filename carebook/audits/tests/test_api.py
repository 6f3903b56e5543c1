"""The audits' JSON API, walked as a client would: Tia (a team leader) starts today's daily medicines audit, answers
it, records what she found with a corrective action for Carla, signs it, adds an addendum; Carla completes her
action. The refusals are specific (the field, the code) and write nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from carebook.audit_log.models import AuditEvent
from carebook.audits.models import Audit, AuditAnswer, AuditFinding
from carebook.audits.tests.conftest import NOW, TODAY
from carebook.medication.api.testing import api_as


@pytest.fixture(autouse=True)
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield


def daily(api, world):
    (template,) = [t for t in api.get("/audit-templates").json()["templates"] if t["key"] == "daily"]
    return template


def start(api, world, template):
    return api.post("/audits", {"location_id": str(world.home.pk), "template_id": template["id"]})


def all_answers(template, first="yes"):
    given = {"yes_no": "yes", "number": "0", "text": "None"}
    return [
        {"question_id": q["id"], "value": first if q["position"] == 1 else given[q["answer_type"]]}
        for q in template["questions"]
    ]


def test_a_team_leader_does_the_daily_audit_through_the_api(world, templates):
    tia = api_as(world.tia)
    template = daily(tia, world)
    assert template["conducted_by"] == "team_leader" and template["questions"][0]["position"] == 1
    started = start(tia, world, template)
    assert started.status_code == 201, started.json()
    audit = started.json()
    assert (audit["period_start"], audit["due_on"], audit["status"]) == (
        TODAY.isoformat(),
        (TODAY + dt.timedelta(days=1)).isoformat(),
        "in_progress",
    )
    assert audit["started_by"]["username"] == "tia"
    assert audit["sign_problems"][0] == "Question 1 is not answered."
    assert len(audit["sign_problems"]) == len(template["questions"])
    # The evidence beside a question is the figure's value for the audit's day at the home.
    assert any(q["evidence_figure"] for q in audit["questions"])

    answered = tia.post(f"/audits/{audit['id']}/answers", {"answers": all_answers(template, first="no")})
    assert answered.status_code == 200, answered.json()
    assert "Question 1 was answered no" in answered.json()["sign_problems"][0]
    refused = tia.post(f"/audits/{audit['id']}/sign", {})
    assert refused.status_code == 422 and "Question 1" in refused.json()["message"]

    first = template["questions"][0]["id"]
    found = tia.post(
        f"/audits/{audit['id']}/findings",
        {
            "text": "Ada's 08:00 ramipril has no record",
            "question_id": first,
            "action": {
                "kind": "supervision",
                "what": "Observe Carla's morning round",
                "owner": "carla",
                "due_on": (TODAY + dt.timedelta(days=7)).isoformat(),
            },
        },
    )
    assert found.status_code == 201, found.json()
    body = found.json()
    (action,) = body["actions"]
    assert body["findings"][0]["action_id"] == action["id"] and action["owner"]["username"] == "carla"
    assert body["sign_problems"] == []

    signed = tia.post(f"/audits/{audit['id']}/sign", {"note": "One gap, followed up"})
    assert signed.status_code == 200 and signed.json()["status"] == "signed"
    assert signed.json()["signed_by"]["username"] == "tia" and signed.json()["signed_at"].startswith("2026-06-10T16")
    # Signed: its answers no longer change; an addendum is the way to add to it.
    again = tia.post(f"/audits/{audit['id']}/answers", {"answers": all_answers(template)})
    assert (again.status_code, again.json()["code"]) == (409, "audit_signed")
    added = tia.post(f"/audits/{audit['id']}/addenda", {"text": "The GP was told on 11 June"})
    assert added.status_code == 201 and added.json()["addenda"][0]["text"] == "The GP was told on 11 June"

    done = api_as(world.carla).post(f"/audits/{audit['id']}/actions/{action['id']}/complete", {"note": "Observed"})
    assert done.status_code == 403  # a care worker does not see audits: Tia completes it for her
    done = tia.post(f"/audits/{audit['id']}/actions/{action['id']}/complete", {"note": "Observed on 11 June"})
    assert done.status_code == 200 and done.json()["actions"][0]["completed_by"]["username"] == "tia"

    listed = tia.get("/audits", {"location": str(world.home.pk), "state": "done_on_time"}).json()["audits"]
    assert [(r["template_key"], r["audit_id"]) for r in listed] == [("daily", audit["id"])]


def test_two_leaders_starting_the_same_audit_make_one_and_the_second_is_told_whose(world, templates):
    template = daily(api_as(world.tia), world)
    first = start(api_as(world.tia), world, template).json()
    second = start(api_as(world.colin), world, template)
    assert second.status_code == 409
    assert (second.json()["code"], second.json()["details"]["audit"]) == ("already_started", first["id"])
    assert Audit.objects.count() == 1


def test_a_bad_answer_names_its_question_and_writes_none_of_the_others(world, templates):
    tia = api_as(world.tia)
    template = daily(tia, world)
    audit = start(tia, world, template).json()
    rows = all_answers(template)
    number = next(q for q in template["questions"] if q["answer_type"] == "number")
    next(r for r in rows if r["question_id"] == number["id"])["value"] = "several"
    events = AuditEvent.objects.count()
    refused = tia.post(f"/audits/{audit['id']}/answers", {"answers": rows})
    assert refused.status_code == 422
    assert refused.json()["field"] == f"answer-{number['id']}"
    assert f"Question {number['position']}" in refused.json()["message"]
    assert AuditAnswer.objects.count() == 0 and AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    "body, field",
    [
        ({"text": "Found"}, None),  # neither an action nor a reason
        (
            {
                "text": "Found",
                "no_action_reason": "x",
                "action": {"kind": "training", "what": "y", "owner": "carla", "due_on": "2026-06-20"},
            },
            None,
        ),
        (
            {"text": "Found", "action": {"kind": "training", "what": "y", "owner": "nobody", "due_on": "2026-06-20"}},
            "action.owner",
        ),
        (
            {"text": "Found", "action": {"kind": "training", "what": "y", "owner": "carla", "due_on": "2026-06-01"}},
            "due_on",
        ),
        (
            {"text": "Found", "no_action_reason": "Checked", "question_id": "0b8a9c43-3c6f-4f43-9b49-3d2a7b1f0f00"},
            "question",
        ),
        ({"text": "Found", "no_action_reason": "Checked", "by": "someone"}, None),  # who is the server's
    ],
)
def test_a_finding_refused_says_why_and_writes_nothing(world, templates, body, field):
    tia = api_as(world.tia)
    audit = start(tia, world, daily(tia, world)).json()
    events = AuditEvent.objects.count()
    refused = tia.post(f"/audits/{audit['id']}/findings", body)
    assert refused.status_code == 422, refused.json()
    if field is not None:
        assert refused.json().get("field") == field, refused.json()
    assert AuditFinding.objects.count() == 0 and AuditEvent.objects.count() == events


def test_a_weekly_audit_is_the_registered_managers_and_a_span_too_long_is_refused(world, templates):
    (weekly,) = [t for t in api_as(world.maria).get("/audit-templates").json()["templates"] if t["key"] == "weekly"]
    refused = start(api_as(world.tia), world, weekly)
    assert refused.status_code == 403
    assert start(api_as(world.maria), world, weekly).status_code == 201
    too_long = api_as(world.maria).get("/audits", {"from": "2025-01-01", "to": "2026-06-10"})
    assert (too_long.status_code, too_long.json()["field"]) == (422, "from")
    bad = api_as(world.maria).get("/audits", {"from": "yesterday"})
    assert bad.status_code == 422
