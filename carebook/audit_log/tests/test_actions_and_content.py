"""Audit actions come from a typed registry; an event's content is canonical JSON, reproducible from its row."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from carebook.audit_log.actions import AuditAction, UnknownAuditAction, register_actions, registered_actions
from carebook.audit_log.maintenance import maintenance_unlocked
from carebook.audit_log.models import AuditEvent
from carebook.audit_log.services import record_event
from carebook.core.canonical import canonical_json
from carebook.medication import rules
from carebook.medication.audit import MedicationAudit
from carebook.medication.models import DueDose
from carebook.medication.services.administrations import administration_record
from carebook.testing.factories import MedicineFactory, prescribe

MORNING = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)  # 08:00 BST

# Every action the product writes today, with its stored text: history must keep reading the same.
STORED_TEXTS = {
    "administration.recorded",
    "administration.entered_in_error",
    "api_token.created",
    "due_doses.withdrawn",
    "prescription.created",
    "prescription.discontinued",
    "prescription.resumed",
    "prescription.superseded",
    "prescription.suspended",
    "prescription.transcription_checked",
    "prn_follow_up.recorded",
}


def test_every_registered_action_has_a_description_for_the_audit_log_page():
    actions = registered_actions()
    assert {a.value for a in actions} >= STORED_TEXTS
    for action in actions:
        assert action.description.strip() and action.description[0].isupper(), action
        assert not action.description.endswith("."), action
    assert len({a.description for a in actions}) == len(actions), "two actions read the same on the page"


def test_a_plain_string_is_refused_with_what_to_do(world):
    with transaction.atomic(), pytest.raises(UnknownAuditAction, match=r"audit\.py"):
        record_event(actor=world.sam, action="prescription.created", entity=world.ada)  # type: ignore[arg-type]
    assert not AuditEvent.objects.exists()


def test_an_action_nobody_registered_is_refused(world):
    class Unregistered(AuditAction):
        SOMETHING = "something.done", "Something was done"

    with transaction.atomic(), pytest.raises(UnknownAuditAction, match=r"Unregistered\.SOMETHING is not registered"):
        record_event(actor=world.sam, action=Unregistered.SOMETHING, entity=world.ada)


def test_an_action_needs_words_and_its_text_is_declared_once():
    class Silent(AuditAction):
        QUIET = "quiet.thing"

    with pytest.raises(ValueError, match="describe the action"):
        register_actions(Silent)

    class Copycat(AuditAction):
        RECORDED = "administration.recorded", "A dose was recorded, again"

    with pytest.raises(ValueError, match="declared twice"):
        register_actions(Copycat)


@pytest.fixture
def morning_dose(world):
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        digoxin = MedicineFactory(name="Digoxin", required_check="pulse")
        rx = prescribe(world.ada, digoxin, by=world.sam, checker=world.tia)
    return DueDose.objects.get(prescription=rx, local_date=dt.date(2026, 6, 10))


@time_machine.travel(MORNING, tick=False)
def test_the_bytes_of_a_recorded_dose_are_reproducible_from_its_row(world, morning_dose):
    answers = [
        rules.Answer(p, "confirmed", Decimal("72") if p in rules.READING_PROMPTS else None)
        for p in rules.prompts_for("pulse")
    ]
    administration_record(by=world.carla, due_dose=morning_dose, outcome="given", prompts=answers)

    row = AuditEvent.objects.get(action=MedicationAudit.ADMINISTRATION_RECORDED)  # read back from the database
    assert row.canonical_bytes() == row.content_from_columns().encode("utf-8")
    assert canonical_json(json.loads(row.content)) == row.content  # the stored text is already canonical
    assert hashlib.sha256(row.canonical_bytes()).hexdigest() == hashlib.sha256(row.content.encode()).hexdigest()

    content = json.loads(row.content)
    assert content["v"] == 1 and content["action"] == "administration.recorded"
    assert content["actor"] == world.carla.pk and content["location"] == str(world.home.pk)
    assert content["at"] == "2026-06-10T07:00:00.000000+00:00"
    assert content["after"]["dose_given"] == "1.000"  # the column's exact text, not a float
    assert {"prompt": "pulse", "result": "confirmed", "value": "72", "note": "", "decision": ""} in content["after"][
        "prompts"
    ]
    assert list(content) == sorted(content) and ", " not in row.content and '": ' not in row.content


def test_a_changed_column_no_longer_matches_the_stored_bytes(world):
    with transaction.atomic():
        event = record_event(
            actor=world.sam, action=MedicationAudit.PRESCRIPTION_SUSPENDED, entity=world.ada, after={"a": 1}
        )
    # Tampering needs the triggers off (ADR 0005): the audited maintenance unlock stands in for a database owner.
    with transaction.atomic(), maintenance_unlocked(job="test.tamper", reason="simulate an altered column"):
        AuditEvent.objects.filter(pk=event.pk).update(action="prescription.resumed")
    row = AuditEvent.objects.get(pk=event.pk)
    assert row.content_from_columns() != row.content


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_existing_json_columns_into_canonical_content(world):
    """Rows written before 0002 keep their values; only the serialisation becomes canonical."""
    before, after = [("audit_log", "0001_initial")], [("audit_log", "0002_audit_event_canonical_content")]
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(before)
        old_apps = executor.loader.project_state(before).apps
        OldEvent = old_apps.get_model("audit_log", "AuditEvent")
        at = dt.datetime(2026, 6, 10, 7, 0, 0, 123456, tzinfo=dt.UTC)
        OldEvent.objects.create(
            at=at,
            actor_id=world.sam.pk,
            action="prescription.created",
            entity_type="medication.prescription",
            entity_id=str(uuid.UUID(int=7)),
            location_id=world.home.pk,
            before=None,
            after={"dose_min": "1.000", "times": ["08:00"], "name": "Zoë", "prn": False, "n": 3},
        )

        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(after)
        row = AuditEvent.objects.get()
        assert row.after == {"dose_min": "1.000", "times": ["08:00"], "name": "Zoë", "prn": False, "n": 3}
        assert row.before is None
        assert row.content_from_columns() == row.content
        assert json.loads(row.content)["at"] == "2026-06-10T07:00:00.123456+00:00"

        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(before)  # and back: the JSON columns return with the same values
        old_apps = executor.loader.project_state(before).apps
        back = old_apps.get_model("audit_log", "AuditEvent").objects.get()
        assert back.after["name"] == "Zoë" and back.after["n"] == 3 and back.before is None
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
