"""The alerts over the JSON API: the whole escalation of an overdue dose, each refusal (which changes nothing), the
filters, and reads whose cost does not grow with the number of alerts.

Ada's ramipril is due at 08:00 BST (07:00 UTC); its window closes at 09:00 BST, when the scan raises the alert.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carebook.access.models import Role
from carebook.alerts import vocab
from carebook.alerts.models import Alert, AlertAction
from carebook.alerts.services import alerts_scan
from carebook.audit_log.models import AuditEvent
from carebook.medication import vocab as medication_vocab
from carebook.medication.api.testing import ApiClient
from carebook.medication.api.testing import api_as as new_client
from carebook.medication.models import Prescription
from carebook.medication.services.prescriptions import PrescriptionInput, prescription_change
from carebook.testing.factories import MedicineFactory, UserFactory, prescribe

DUE = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)  # 08:00 BST
WINDOW_CLOSES = DUE + dt.timedelta(minutes=60)
MINUTE = dt.timedelta(minutes=1)
NOON_CLOSES = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)  # 13:00 BST: a 12:00 dose's window has closed
LATER = WINDOW_CLOSES + 10 * MINUTE  # the API calls; before the round ends (11:00 BST), so no missed dose yet


@pytest.fixture
def ramipril(world):
    with time_machine.travel(DUE - dt.timedelta(hours=12), tick=False):  # the evening before: 08:00 is its first dose
        return prescribe(world.ada, MedicineFactory(name="Ramipril"), by=world.sam, checker=world.tia)


@pytest.fixture
def alert(ramipril) -> Alert:
    with time_machine.travel(WINDOW_CLOSES, tick=False):
        raised = alerts_scan().raised
    return Alert.objects.get(pk__in=raised)


@pytest.fixture
def clock():
    with time_machine.travel(LATER, tick=False) as traveller:
        yield traveller


_CLIENTS: dict[Any, ApiClient] = {}


@pytest.fixture(autouse=True)
def _one_token_per_user(request):
    """Each persona's token is made once, before the test (making one is audited: not in a "changes nothing")."""
    _CLIENTS.clear()
    if "world" in request.fixturenames:
        world = request.getfixturevalue("world")
        for user in (world.carla, world.sam, world.tia, world.colin, world.maria, world.pat, world.otto):
            api_as(user)
    yield
    _CLIENTS.clear()


def api_as(user: Any) -> ApiClient:
    if user.pk not in _CLIENTS:
        _CLIENTS[user.pk] = new_client(user)
    return _CLIENTS[user.pk]


def state() -> tuple[Any, ...]:
    """Everything a refused write must leave as it was."""
    return (
        sorted(Alert.objects.values_list("pk", "status", "acknowledged_by", "resolved_by", "outcome")),
        AlertAction.objects.count(),
        AuditEvent.objects.count(),
    )


@contextmanager
def changes_nothing() -> Iterator[None]:
    before = state()
    yield
    assert state() == before, "a refused request wrote"


def refused(response: Any, status: int, code: str | None = None, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) >= {"code", "message"}
    if code is not None:
        assert body["code"] == code, body
    if field is not None:
        assert body.get("field") == field, body
    return body


def acknowledged(world, alert):
    assert api_as(world.sam).post(f"/alerts/{alert.pk}/acknowledge").status_code == 200


def new_version(world, ramipril) -> Prescription:
    """The GP doubles the dose: a new version of the prescription, made by a senior."""
    data = PrescriptionInput(
        medicine_id=ramipril.medicine_id,
        dose_min="2",
        route="oral",
        directions="Take TWO tablets each morning",
        times=["08:00"],
        prescriber="Dr A Khan",
    )
    return prescription_change(prescription=ramipril, by=world.sam, data=data, reason="GP doubled the dose")


# --- The whole escalation -------------------------------------------------------------------------------------------


def test_an_overdue_dose_is_acknowledged_escalated_changed_and_resolved_through_the_api(world, ramipril, alert, clock):
    listed = api_as(world.carla).get("/alerts", {"location": world.home.pk})
    assert listed.status_code == 200
    body = listed.json()
    assert [a["id"] for a in body["alerts"]] == [str(alert.pk)]
    assert {c["kind"]: c["count"] for c in body["counts"]} == {
        k: int(k == "overdue_dose") for k in vocab.AlertKind.values
    }
    assert body["needs_attention"] == 1
    item = body["alerts"][0]
    assert item["kind"] == "overdue_dose" and item["kind_label"] == "Overdue dose"
    assert (item["status"], item["severity"], item["needs_attention"]) == ("open", "medium", True)
    assert item["person"]["id"] == str(world.ada.pk) and item["person"]["full_name"] == world.ada.full_name
    assert item["location_id"] == str(world.home.pk) and item["prescription_id"] == str(ramipril.pk)
    assert item["medicine"].startswith("Ramipril") and item["due_dose_id"] == str(alert.due_dose_id)
    assert dt.datetime.fromisoformat(item["due_at"]) == DUE
    assert dt.datetime.fromisoformat(item["raised_at"]) == WINDOW_CLOSES
    assert item["acknowledged_by"] is None and item["outcome"] is None and item["follows"] is None

    # A senior takes it on: who and when are the caller and the server clock.
    taken = api_as(world.sam).post(f"/alerts/{alert.pk}/acknowledge")
    assert taken.status_code == 200, taken.content
    assert taken.json()["status"] == "acknowledged"
    assert taken.json()["acknowledged_by"]["username"] == "sam"
    assert dt.datetime.fromisoformat(taken.json()["acknowledged_at"]) == LATER

    # The care worker says she did not give it; the senior asks the GP, who changes the prescription.
    clock.shift(5 * MINUTE)
    asked = api_as(world.carla).post(
        f"/alerts/{alert.pk}/actions", {"kind": "contacted_care_worker", "answer": "not_given", "note": "Forgot"}
    )
    assert asked.status_code == 201, asked.content
    assert asked.json()["by"]["username"] == "carla" and asked.json()["label"] == "Contacted the care worker"
    assert asked.json()["answer"] == "not_given" and asked.json()["outcome"] is None
    assert dt.datetime.fromisoformat(asked.json()["at"]) == LATER + 5 * MINUTE
    clock.shift(5 * MINUTE)
    escalated = api_as(world.sam).post(
        f"/alerts/{alert.pk}/actions",
        {"kind": "escalated", "professional": "gp", "advice": "Give it now; I will change the dose."},
    )
    assert escalated.status_code == 201, escalated.content
    assert escalated.json()["professional"] == "gp"
    clock.shift(5 * MINUTE)
    newer = new_version(world, ramipril)
    decided = api_as(world.sam).post(
        f"/alerts/{alert.pk}/actions",
        {"kind": "advice_outcome", "outcome": "medication_changed", "new_prescription_id": str(newer.pk)},
    )
    assert decided.status_code == 201, decided.content
    assert decided.json()["outcome"] == "medication_changed"
    assert decided.json()["new_prescription_id"] == str(newer.pk)

    # A team leader resolves it with that outcome.
    clock.shift(5 * MINUTE)
    resolved = api_as(world.tia).post(f"/alerts/{alert.pk}/resolve", {"note": "Dose changed by the GP."})
    assert resolved.status_code == 200, resolved.content
    body = resolved.json()
    assert (body["status"], body["outcome"], body["outcome_label"]) == (
        "resolved",
        "medication_changed",
        "Medication changed",
    )
    assert body["resolved_by"]["username"] == "tia" and body["needs_attention"] is False
    assert dt.datetime.fromisoformat(body["resolved_at"]) == LATER + 20 * MINUTE
    assert [a["kind"] for a in body["actions"]] == ["contacted_care_worker", "escalated", "advice_outcome", "note"]

    detail = api_as(world.maria).get(f"/alerts/{alert.pk}").json()
    assert detail == body
    assert [a["by"]["username"] for a in detail["actions"]] == ["carla", "sam", "sam", "tia"]
    assert detail["actions"][1]["advice"] == "Give it now; I will change the dose."
    assert detail["actions"][3]["note"] == "Dose changed by the GP."
    actions = AuditEvent.objects.filter(entity_id__in=[str(alert.pk), *[a["id"] for a in detail["actions"][:3]]])
    assert sorted(actions.values_list("action", flat=True)) == sorted(
        ["alert.raised", "alert.acknowledged", *["alert.action_recorded"] * 3, "alert.resolved"]
    )
    after = api_as(world.carla).get("/alerts", {"location": world.home.pk}).json()
    assert after["needs_attention"] == 0 and after["alerts"][0]["status"] == "resolved"


def test_observe_until_a_time_to_come_is_recorded(world, alert, clock):
    acknowledged(world, alert)
    until = LATER + dt.timedelta(hours=4)
    response = api_as(world.sam).post(
        f"/alerts/{alert.pk}/actions",
        {
            "kind": "advice_outcome",
            "outcome": "observe",
            "observe_what": "Blood pressure",
            "observe_until": until.isoformat(),
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["observe_what"] == "Blood pressure"
    assert dt.datetime.fromisoformat(response.json()["observe_until"]) == until


# --- Refusals: each changes nothing ---------------------------------------------------------------------------------


def test_resolving_without_an_outcome_is_refused(world, alert, clock):
    acknowledged(world, alert)
    with changes_nothing():
        refused(api_as(world.tia).post(f"/alerts/{alert.pk}/resolve", {}), 422, field="outcome")


def test_resolving_before_it_is_acknowledged_is_refused(world, alert, clock):
    with changes_nothing():
        refused(api_as(world.tia).post(f"/alerts/{alert.pk}/resolve", {}), 409, code="not_acknowledged")


def test_a_second_acknowledgement_is_told_who_took_it_and_when(world, alert, clock):
    acknowledged(world, alert)
    with changes_nothing():
        body = refused(api_as(world.tia).post(f"/alerts/{alert.pk}/acknowledge"), 409, code="already_acknowledged")
    assert "Sam Senior" in body["message"] and "09:10 on 10 June" in body["message"]  # 08:10 UTC


def test_a_resolved_alert_takes_no_more_steps_nor_a_second_resolution(world, alert, clock):
    acknowledged(world, alert)
    outcome = {"kind": "advice_outcome", "outcome": "no_harm_expected"}
    assert api_as(world.sam).post(f"/alerts/{alert.pk}/actions", outcome).status_code == 201
    assert api_as(world.tia).post(f"/alerts/{alert.pk}/resolve", {}).status_code == 200
    with changes_nothing():
        refused(api_as(world.tia).post(f"/alerts/{alert.pk}/resolve", {}), 409, code="already_resolved")
        refused(api_as(world.sam).post(f"/alerts/{alert.pk}/actions", outcome), 409, code="already_resolved")
        body = refused(api_as(world.sam).post(f"/alerts/{alert.pk}/acknowledge"), 409, code="already_resolved")
    assert "Tia Leader" in body["message"]


@pytest.mark.parametrize(
    ("step", "field"),
    [
        ({"kind": "advice_outcome", "outcome": "observe", "observe_what": "Her breathing"}, "observe_until"),
        (
            {
                "kind": "advice_outcome",
                "outcome": "observe",
                "observe_what": "Her breathing",
                "observe_until": WINDOW_CLOSES.isoformat(),  # already past
            },
            "observe_until",
        ),
        (
            {"kind": "advice_outcome", "outcome": "observe", "observe_until": "2026-06-11T09:00:00+01:00"},
            "observe_what",
        ),
        ({"kind": "advice_outcome"}, "outcome"),
        ({"kind": "advice_outcome", "outcome": "medication_changed"}, "new_prescription_id"),
        ({"kind": "contacted_care_worker"}, "answer"),
        ({"kind": "escalated", "advice": "Give it"}, "professional"),
        ({"kind": "escalated", "professional": "gp", "advice": "  "}, "advice"),
        ({"kind": "informed"}, "informed"),
        ({"kind": "note", "note": " "}, "note"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_a_step_that_does_not_say_what_it_must_is_refused_with_its_field(world, alert, clock, step, field):
    acknowledged(world, alert)
    with changes_nothing():
        refused(api_as(world.sam).post(f"/alerts/{alert.pk}/actions", step), 422, field=field)


@pytest.mark.parametrize(
    ("step", "field"),
    [
        ({"kind": "shouted"}, "kind"),
        ({"kind": "advice_outcome", "outcome": "hoped_for_the_best"}, "outcome"),
        ({"kind": "escalated", "professional": "neighbour", "advice": "x"}, "professional"),
        ({"kind": "note", "note": "x", "by": "maria"}, "by"),  # who and when are the server's
        ({"kind": "note", "note": "x", "at": "2026-06-10T09:00:00+01:00"}, "at"),
        ({"kind": "note", "note": "x", "observe_until": "2026-06-11T09:00:00"}, "observe_until"),  # no offset
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_a_step_outside_the_schema_is_refused_with_its_field(world, alert, clock, step, field):
    with changes_nothing():
        refused(api_as(world.sam).post(f"/alerts/{alert.pk}/actions", step), 422, code="invalid", field=field)


def test_who_resolved_is_not_taken_from_the_body(world, alert, clock):
    acknowledged(world, alert)
    with changes_nothing():
        refused(
            api_as(world.tia).post(f"/alerts/{alert.pk}/resolve", {"resolved_by": "maria"}), 422, field="resolved_by"
        )


def test_a_care_worker_may_record_a_step_but_not_an_outcome_nor_acknowledge_nor_resolve(world, alert, clock):
    acknowledged(world, alert)
    carla = api_as(world.carla)
    with changes_nothing():
        refused(carla.post(f"/alerts/{alert.pk}/actions", {"kind": "advice_outcome", "outcome": "give_now"}), 403)
        refused(carla.post(f"/alerts/{alert.pk}/resolve", {}), 403, code="forbidden")
        refused(carla.post(f"/alerts/{alert.pk}/acknowledge"), 403, code="forbidden")
    assert carla.post(f"/alerts/{alert.pk}/actions", {"kind": "note", "note": "Called her son"}).status_code == 201


def test_a_senior_carer_acknowledges_but_does_not_resolve(world, alert, clock):
    acknowledged(world, alert)
    assert api_as(world.sam).post(f"/alerts/{alert.pk}/actions", {"kind": "advice_outcome", "outcome": "give_now"})
    with changes_nothing():
        refused(api_as(world.sam).post(f"/alerts/{alert.pk}/resolve", {}), 403, code="forbidden")


def test_a_prescription_of_another_person_cannot_be_the_new_version(world, alert, clock):
    acknowledged(world, alert)
    with time_machine.travel(LATER, tick=False):
        berts = prescribe(world.bert, MedicineFactory(name="Ramipril"), by=world.sam, checker=world.tia)
    step = {"kind": "advice_outcome", "outcome": "medication_changed", "new_prescription_id": str(berts.pk)}
    with changes_nothing():
        refused(api_as(world.sam).post(f"/alerts/{alert.pk}/actions", step), 422, field="new_prescription_id")


@pytest.mark.parametrize("who", ["otto", "leader elsewhere"])
def test_another_locations_staff_are_told_404_by_every_endpoint(world, alert, clock, who):
    user = world.otto if who == "otto" else UserFactory(username="lee", role=Role.TEAM_LEADER, at=world.elsewhere)
    api = api_as(user)
    acknowledged(world, alert)
    assert api_as(world.sam).post(f"/alerts/{alert.pk}/actions", {"kind": "advice_outcome", "outcome": "give_now"})
    with changes_nothing():
        refused(api.get(f"/alerts/{alert.pk}"), 404, code="not_found")
        refused(api.get("/alerts", {"location": world.home.pk}), 404, code="not_found")
        refused(api.post(f"/alerts/{alert.pk}/acknowledge"), 404, code="not_found")
        refused(api.post(f"/alerts/{alert.pk}/actions", {"kind": "note", "note": "x"}), 404, code="not_found")
        refused(api.post(f"/alerts/{alert.pk}/resolve", {}), 404, code="not_found")
        mine = api.get("/alerts")
    assert mine.status_code == 200 and mine.json()["alerts"] == [] and mine.json()["needs_attention"] == 0


def test_a_missing_alert_is_404(world, clock):
    missing = "00000000-0000-4000-8000-000000000000"
    refused(api_as(world.tia).get(f"/alerts/{missing}"), 404, code="not_found")
    refused(api_as(world.tia).post(f"/alerts/{missing}/acknowledge"), 404, code="not_found")


# --- The list's filters ---------------------------------------------------------------------------------------------


@pytest.fixture
def three_alerts(world, ramipril):
    """Ada's ramipril missed (its overdue alert carried on by the missed one); Bert's amlodipine overdue and
    acknowledged."""
    with time_machine.travel(DUE - dt.timedelta(hours=12), tick=False):
        prescribe(world.bert, MedicineFactory(name="Amlodipine"), by=world.sam, checker=world.tia, times=["12:00"])
    with time_machine.travel(WINDOW_CLOSES, tick=False):
        alerts_scan()
    with time_machine.travel(NOON_CLOSES, tick=False):  # Ada's morning round has ended; Bert's 12:00 is overdue
        alerts_scan()
    bert = Alert.objects.get(person=world.bert)
    api_as(world.sam).post(f"/alerts/{bert.pk}/acknowledge")
    return {
        "overdue": Alert.objects.get(person=world.ada, kind="overdue_dose"),
        "missed": Alert.objects.get(person=world.ada, kind="missed_dose"),
        "bert": bert,
    }


@time_machine.travel(NOON_CLOSES + 5 * MINUTE, tick=False)
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["overdue", "missed", "bert"]),  # all medium: oldest first
        ({"status": "open"}, ["overdue", "missed"]),
        ({"status": "acknowledged"}, ["bert"]),
        ({"status": "resolved"}, []),
        ({"status": "needs_attention"}, ["missed", "bert"]),
        ({"kind": "overdue_dose"}, ["overdue", "bert"]),
        ({"kind": "missed_dose", "status": "needs_attention"}, ["missed"]),
    ],
    ids=str,
)
def test_the_list_filters_by_status_and_kind_and_counts_what_needs_attention(world, three_alerts, params, expected):
    body = api_as(world.tia).get("/alerts", params).json()
    names = {str(a.pk): name for name, a in three_alerts.items()}
    assert [names[a["id"]] for a in body["alerts"]] == expected
    assert {c["kind"]: c["count"] for c in body["counts"]} == {
        k: int(k in ("overdue_dose", "missed_dose")) for k in vocab.AlertKind.values
    }
    assert body["needs_attention"] == 2
    missed = next(a for a in api_as(world.tia).get("/alerts").json()["alerts"] if a["kind"] == "missed_dose")
    assert missed["follows"] == str(three_alerts["overdue"].pk)
    assert missed["superseded_by"] is None and missed["needs_attention"] is True
    overdue = next(a for a in api_as(world.tia).get("/alerts").json()["alerts"] if a["kind"] == "overdue_dose")
    assert overdue["superseded_by"] == missed["id"] and overdue["needs_attention"] is False


def test_a_dose_recorded_late_lists_its_alert_as_cleared(world, three_alerts):
    from carebook.medication import rules as medication_rules
    from carebook.medication.services.administrations import administration_record

    prompts = [medication_rules.Answer(p, "confirmed") for p in medication_rules.prompts_for("")]
    with time_machine.travel(NOON_CLOSES + 10 * MINUTE, tick=False):
        administration_record(by=world.carla, outcome="given", prompts=prompts, due_dose=three_alerts["bert"].due_dose)
        alerts_scan()
        body = api_as(world.tia).get("/alerts", {"status": "cleared"}).json()
    assert [a["id"] for a in body["alerts"]] == [str(three_alerts["bert"].pk)]
    cleared = body["alerts"][0]
    assert cleared["cleared_at"] is not None and "Carla Carer" in cleared["cleared_reason"]
    assert cleared["cleared_by_administration_id"] is not None and cleared["needs_attention"] is False
    assert body["needs_attention"] == 1  # only Ada's missed dose now


@pytest.mark.parametrize(
    ("params", "field"),
    [({"status": "closed"}, "status"), ({"kind": "fire"}, "kind"), ({"location": "here"}, "location")],
    ids=str,
)
def test_a_bad_filter_is_422_with_the_field_and_the_reason(world, params, field):
    body = refused(api_as(world.tia).get("/alerts", params), 422, code="invalid", field=field)
    assert body["message"].startswith(f"{field}: ") and len(body["message"]) > len(field) + 2


def test_a_location_out_of_scope_is_404(world):
    refused(api_as(world.tia).get("/alerts", {"location": world.elsewhere.pk}), 404, code="not_found")


# --- Reads cost the same whatever the number of alerts ---------------------------------------------------------------


def queries_for(api: Any, path: str, params: dict[str, Any] | None = None) -> int:
    api.get(path, params)  # the token's last use is written at most every five minutes: not in the count
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(path, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_list_costs_the_same_for_one_alert_as_for_ten(world):
    with time_machine.travel(DUE - dt.timedelta(hours=12), tick=False):
        prescribe(world.ada, MedicineFactory(name="Ramipril"), by=world.sam, checker=world.tia)
        for n in range(9):
            person = world.ada if n % 2 else world.bert
            prescribe(person, MedicineFactory(name=f"Medicine {n}"), by=world.sam, checker=world.tia, times=["12:00"])
    api = api_as(world.maria)
    with time_machine.travel(WINDOW_CLOSES, tick=False):
        alerts_scan()
        assert Alert.objects.count() == 1
        one = queries_for(api, "/alerts", {"location": world.home.pk})
    with time_machine.travel(NOON_CLOSES, tick=False):
        alerts_scan()
        for a in Alert.objects.filter(kind="overdue_dose", superseded_by__isnull=True)[:4]:
            assert api_as(world.sam).post(f"/alerts/{a.pk}/acknowledge").status_code == 200
        assert Alert.objects.count() >= 10
        many = queries_for(api, "/alerts", {"location": world.home.pk})
        assert len(api.get("/alerts").json()["alerts"]) == Alert.objects.count()
    assert many == one


def test_one_alert_costs_the_same_with_one_step_as_with_five(world, alert, clock):
    api = api_as(world.maria)
    acknowledged(world, alert)
    api_as(world.carla).post(f"/alerts/{alert.pk}/actions", {"kind": "note", "note": "first"})
    one = queries_for(api, f"/alerts/{alert.pk}")
    for n in range(4):
        api_as(world.sam).post(f"/alerts/{alert.pk}/actions", {"kind": "note", "note": f"step {n}"})
    assert len(api.get(f"/alerts/{alert.pk}").json()["actions"]) == 5
    assert queries_for(api, f"/alerts/{alert.pk}") == one


# --- The OpenAPI -----------------------------------------------------------------------------------------------------


def test_the_openapi_lists_each_vocabulary_and_keeps_the_administrations_outcome_theirs(client):
    spec = client.get("/api/v1/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert schemas["ActionKind"]["enum"] == vocab.ActionKind.values
    assert schemas["AlertKind"]["enum"] == vocab.AlertKind.values
    assert schemas["AlertStatusFilter"]["enum"] == [*vocab.AlertStatus.values, "needs_attention", "cleared"]
    assert schemas["CareWorkerAnswer"]["enum"] == vocab.CareWorkerAnswer.values
    assert schemas["Professional"]["enum"] == vocab.Professional.values
    assert schemas["Informed"]["enum"] == vocab.Informed.values
    outcome = schemas["AlertActionIn"]["properties"]["outcome"]["anyOf"][0]
    assert outcome["enum"] == vocab.Outcome.values
    assert schemas["Outcome"]["enum"] == medication_vocab.Outcome.values  # the administrations' own
    for path in ("/api/v1/alerts/{alert_id}/acknowledge", "/api/v1/alerts/{alert_id}/resolve"):
        assert {"403", "404", "409", "422"} <= set(spec["paths"][path]["post"]["responses"])


def test_the_list_gives_at_most_the_limit_asked_and_refuses_a_limit_out_of_range(world):
    from carebook.alerts.models import Alert as _Alert

    with time_machine.travel(dt.datetime(2026, 6, 9, 19, 0, tzinfo=dt.UTC), tick=False):
        for name in ("Ramipril", "Bisoprolol", "Amlodipine"):
            prescribe(world.ada, MedicineFactory(name=name), by=world.sam, checker=world.tia)
    with time_machine.travel(dt.datetime(2026, 6, 10, 8, 5, tzinfo=dt.UTC), tick=False):
        alerts_scan()
    assert _Alert.objects.count() == 3
    api = api_as(world.tia)
    listed = api.get("/alerts?limit=2").json()
    assert len(listed["alerts"]) == 2 and listed["needs_attention"] == 3
    for bad in ("0", "1001", "many"):
        response = api.get(f"/alerts?limit={bad}")
        assert response.status_code == 422, (bad, response.content)


def test_an_alert_says_who_it_went_to_when_nobody_took_it_on(world):
    with time_machine.travel(dt.datetime(2026, 6, 9, 19, 0, tzinfo=dt.UTC), tick=False):
        prescribe(world.ada, MedicineFactory(name="Ramipril"), by=world.sam, checker=world.tia)
    with time_machine.travel(dt.datetime(2026, 6, 10, 8, 0, tzinfo=dt.UTC), tick=False):
        (alert_id,) = alerts_scan().raised
    with time_machine.travel(dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC), tick=False):
        alerts_scan()
        body = api_as(world.tia).get(f"/alerts/{alert_id}").json()
    assert body["escalated_to"] == "team_leader" and body["escalated_at"].startswith("2026-06-10T09:00")
