"""Never edit, never delete, held by the database (ADR 0005).

Carla records Ada's doses, Sam and Tia enter and check her prescriptions; then someone tries to change or
remove what was written: by raw SQL (as a script, a database console or a bug in a query would) and through
the ORM. Every attempt is refused, on SQLite and on PostgreSQL, except the projection columns the decision
record names; the audited maintenance unlock is the one way round, and it ends with its transaction.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, connections, models, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path

from carebook.access.models import Role
from carebook.alerts.detect import detect_allergy_overrides
from carebook.alerts.lifecycle import alert_acknowledge, alert_action_record
from carebook.alerts.models import Alert, AlertRecord
from carebook.alerts.notify import notify_alerts
from carebook.alerts.rules import ActionInput as AlertStep
from carebook.alerts.services import alerts_scan
from carebook.audit_log.maintenance import UNLOCKED_ACTION, maintenance_unlocked
from carebook.audit_log.models import AuditEvent
from carebook.audits import services as audits
from carebook.audits.models import AuditAnswer, AuditQuestion, AuditTemplate
from carebook.core import append_only, clock
from carebook.core.append_only import AppendOnlyViolation, UnlockRefused, protected_models, unlocked
from carebook.incidents import rules as incident_rules
from carebook.incidents import services as incidents
from carebook.medication import rules
from carebook.medication.models import (
    Administration,
    AdministrationCorrection,
    AllergyDecision,
    DueDose,
    LateDoseDecision,
    MedicineIngredient,
    PrescriptionEvent,
    PrescriptionStatus,
    PrnFollowUp,
    PromptAnswer,
    PromptShowing,
    TranscriptionCheck,
)
from carebook.medication.services.administrations import (
    LateDoseRequest,
    administration_mark_entered_in_error,
    administration_record,
    prn_follow_up_record,
)
from carebook.medication.services.dosing import dosing_instruction_check, dosing_instruction_enter
from carebook.medication.services.prescriptions import prescription_discontinue
from carebook.medication.services.visits import visit_plan
from carebook.medication.vocab import LateDoseChoice
from carebook.notifications.models import EmailDelivery, Notification
from carebook.notifications.sender import send_pending_emails
from carebook.organisations.models import Location
from carebook.people.services import allergy_correct, allergy_record, allergy_status_none_known
from carebook.substances.models import Substance
from carebook.substances.reference import load_reference_data
from carebook.testing import append_only as testing_append_only
from carebook.testing.factories import (
    LocationFactory,
    MedicineFactory,
    PersonFactory,
    UserFactory,
    prescribe,
    prescribe_paracetamol_prn,
)
from carebook.testing.shared import module_transaction, shared_copy
from carebook.testing.world import make_world

MORNING = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)  # 08:00 BST
REPO = Path(__file__).resolve().parents[3]

# The clinical record, named independently of the code (an oracle): table → the columns that may change.
CLINICAL_RECORDS = {
    "medication.Administration": {"status"},
    "medication.PromptAnswer": set(),
    "medication.AdministrationCorrection": set(),
    "medication.PrnFollowUp": set(),
    "medication.Prescription": {"status"},
    "medication.TranscriptionCheck": set(),
    "medication.PrescriptionEvent": set(),
    "medication.DueDose": {"state", "withdrawn_at", "withdrawn_reason", "reopened_at"},
    "medication.LateDoseDecision": set(),
    "medication.AllergyDecision": set(),
    # The anticoagulant clinic's instructions and their second check (ADR 0037).
    "medication.DosingInstruction": set(),
    "medication.DosingInstructionCheck": set(),
    # A home-care visit (ADR 0038): closed once.
    "medication.Visit": {"closed_at", "closed_by"},
    # The prompts a page showed (ADR 0030): only its link to the record the walk led to is set, once.
    "medication.PromptShowing": {"administration"},
    "people.Allergy": {"status"},
    "people.AllergyCorrection": set(),
    "people.AllergyStatusRecord": set(),
    "audit_log.AuditEvent": set(),
    # Not a clinical record, but the case of one: its lifecycle moves forward only, and it is never deleted.
    "alerts.Alert": {
        "status",
        "acknowledged_by",
        "acknowledged_at",
        "resolved_by",
        "resolved_at",
        "outcome",
        "cleared_at",
        "cleared_reason",
        "cleared_by_administration",
        "superseded_by",
        "escalated_to",
        "escalated_at",
    },
    # A step taken on an alert: never edited (a mistaken step is followed by a note that says so).
    "alerts.AlertAction": set(),
    # Not clinical records: a notification is only ever marked read; its email's delivery columns change as it is
    # tried, while who it went to and what it said never do, and neither is deleted (ADR 0028).
    "notifications.Notification": {"read_at"},
    "notifications.EmailDelivery": {"status", "attempts", "next_attempt_at", "last_error", "sent_at"},
    # A medication incident: its lifecycle moves forward only (ADR 0027); what is added later is new rows.
    "incidents.Incident": {
        "status",
        "review_started_by",
        "review_started_at",
        "signed_off_by",
        "signed_off_at",
        "sign_off_note",
    },
    "incidents.IncidentStaff": set(),
    "incidents.IncidentNotice": set(),
    "incidents.CqcNotification": set(),
    "incidents.CandourRecord": set(),
    "incidents.IncidentFinding": set(),
    # A corrective action: completed once (who, when, a note); the job marks once when it told of it overdue.
    "actions.CorrectiveAction": {"completed_at", "completed_by", "completion_note", "overdue_noticed_at"},
    # A record behind an alert (the refusals behind a repeated refusal): insert-only.
    "alerts.AlertRecord": set(),
    # Governance audits (ADR 0029): a template is edited by a new version; an audit is signed once, and what
    # comes after is an addendum; an answer given again is a new row that points at the one it replaces.
    "audits.AuditTemplate": set(),
    "audits.AuditTemplateVersion": set(),
    "audits.AuditQuestion": set(),
    "audits.Audit": {"status", "signed_by", "signed_at", "sign_note"},
    "audits.AuditAnswer": set(),
    "audits.AuditFinding": set(),
    "audits.AuditAddendum": set(),
}
LABELS = sorted(CLINICAL_RECORDS)

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")


def answers() -> list[rules.Answer]:
    return [rules.Answer(p, "confirmed") for p in rules.prompts_for("")]


@dataclass
class Records:
    """One row of every append-only table, each made the way the product makes it."""

    rows: dict[str, models.Model]

    def row(self, label: str) -> Any:
        return self.rows[label]


@pytest.fixture(scope="module")
def _module_data(django_db_setup, django_db_blocker):
    """One row of every append-only table, built once for the module's 120-odd tests; every test rolled back."""
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            world = make_world()
            made = build_records(world)
        yield world, made


@pytest.fixture
def _data(db, _module_data):
    return shared_copy(_module_data)


@pytest.fixture
def world(_data):
    return _data[0]


@pytest.fixture
def records(_data) -> Records:
    return _data[1]


def build_records(world: Any) -> Records:
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        ramipril = prescribe(world.ada, MedicineFactory(name="Ramipril"), by=world.sam, checker=world.tia)
        paracetamol = prescribe_paracetamol_prn(world.ada, by=world.sam, checker=world.tia)
        twice = prescribe(
            world.bert, MedicineFactory(name="Co-amoxiclav"), by=world.sam, checker=world.tia, times=["08:00", "20:00"]
        )
        # Warfarin by the clinic's instructions, entered and checked (ADR 0037).
        warfarin = prescribe(
            world.bert,
            MedicineFactory(name="Warfarin"),
            by=world.sam,
            checker=world.tia,
            dose_max="10",
            dose_from_instructions=True,
        )
        today = clock.to_local(clock.now()).date()
        instruction = dosing_instruction_enter(
            prescription=warfarin,
            by=world.sam,
            inr="2.5",
            inr_date=today,
            next_inr_date=today + dt.timedelta(days=2),
            doses={today + dt.timedelta(days=n): "3" for n in range(3)},
        )
        dosing_check = dosing_instruction_check(instruction=instruction, by=world.tia)
        # A home-care visit on a care worker's run (ADR 0038).
        branch = LocationFactory(provider=world.provider, kind=Location.Kind.HOME_CARE)
        visit = visit_plan(
            by=UserFactory(role=Role.COORDINATOR, at=branch),
            person=PersonFactory(location=branch),
            assigned_to=UserFactory(role=Role.CARE_WORKER, at=branch),
            date=today + dt.timedelta(days=1),
            label="morning",
            window_start=dt.time(8),
            window_end=dt.time(9),
        )
    with time_machine.travel(MORNING, tick=False):
        # Last night's dose, found this morning: too close to this morning's, so it is omitted (ADR 0021).
        missed = DueDose.objects.get(prescription=twice, local_date=dt.date(2026, 6, 9), local_time=dt.time(20))
        administration_record(
            by=world.carla,
            due_dose=missed,
            outcome="given",
            prompts=answers(),
            late=LateDoseRequest(LateDoseChoice.OMIT_THIS, "Found at the morning round: too late"),
        )
        dose = DueDose.objects.get(prescription=ramipril, local_date=dt.date(2026, 6, 10))
        wrong = administration_record(by=world.carla, due_dose=dose, outcome="given", prompts=answers())
        administration_mark_entered_in_error(
            administration=wrong.administration, by=world.carla, reason="Recorded against the wrong dose"
        )
        prn = administration_record(
            by=world.carla,
            prescription=paracetamol,
            outcome="given",
            prompts=answers(),
            dose_given=Decimal("1"),
            prn_reason="Headache",
        ).administration
    with time_machine.travel(MORNING + dt.timedelta(minutes=45), tick=False):
        prn_follow_up_record(administration=prn, by=world.carla, effect="effective")
    tomorrow = DueDose.objects.get(prescription=ramipril, local_date=dt.date(2026, 6, 11))
    with time_machine.travel(MORNING + dt.timedelta(hours=1), tick=False):
        # Bert: "no known allergies", then a penicillin allergy, a mistaken one corrected, and a senior's decision
        # to go on with amoxicillin after the GP's review (ADR 0022).
        load_reference_data()
        status = allergy_status_none_known(person=world.bert, by=world.sam, note="Asked him and his daughter")
        allergy = allergy_record(person=world.bert, by=world.sam, class_code="penicillins", severity="moderate")
        mistaken = allergy_record(person=world.bert, by=world.sam, name="Sticking plasters", severity="mild")
        correction = allergy_correct(allergy=mistaken, by=world.sam, kind="entered_in_error", reason="Wrong person")
        amoxicillin = MedicineFactory(name="Amoxicillin")
        MedicineIngredient.objects.create(
            medicine=amoxicillin, substance=Substance.objects.get(code="amoxicillin"), amount_mg=Decimal("500")
        )
        prescribe(world.bert, amoxicillin, by=world.sam, allergy_reason="GP confirmed: the rash was viral")
        detect_allergy_overrides(now=clock.now())  # for the registered manager's review: an alert, its record
    with time_machine.travel(dt.datetime(2026, 6, 11, 8, 5, tzinfo=dt.UTC), tick=False):
        alerts_scan()  # tomorrow's 08:00 dose (07:00 UTC), past its window: an overdue-dose alert
        world.tia.email = "tia@example.org"
        world.tia.save(update_fields=["email"])
        notify_alerts()  # Tia (a team leader) is told of the alert, in the product and by email
        send_pending_emails()
        alert = alert_acknowledge(alert=Alert.objects.get(due_dose=tomorrow), by=world.sam)
        step = alert_action_record(
            alert=alert, by=world.sam, step=AlertStep(kind="contacted_care_worker", answer="not_given")
        )
        # The incident opened from that alert, with a row of each kind added to it (ADR 0027)
        now = dt.datetime(2026, 6, 11, 8, 5, tzinfo=dt.UTC)
        incident = incidents.incident_report(
            by=world.maria,
            data=incidents.IncidentInput(
                kind="omission",
                what_happened="Not given",
                occurred_at=now - dt.timedelta(hours=1),
                discovered_at=now,
                harm="moderate",
                alert_id=alert.pk,
                staff_ids=[world.carla.pk],
            ),
        )
        notice = incidents.incident_notice_record(incident=incident, by=world.maria, party="gp", told_at=now)
        cqc = incidents.incident_cqc_record(incident=incident, by=world.maria, notified_at=now, reference="CQC-1")
        candour = incidents.incident_candour_record(
            incident=incident,
            by=world.maria,
            candour=incident_rules.CandourInput(
                told="family", told_on=dt.date(2026, 6, 11), apology=True, written_on=dt.date(2026, 6, 11)
            ),
        )
        finding = incidents.incident_finding_record(incident=incident, by=world.maria, text="Found")
        corrective = incidents.incident_action_add(
            incident=incident,
            by=world.maria,
            kind="training",
            what="Refresher",
            owner_id=world.carla.pk,
            due_on=dt.date(2026, 6, 20),
        )
        # Yesterday's daily medicines audit: answered, one answer given again, a finding with its action, signed,
        # and an addendum after (ADR 0031).
        audits.templates_install_shipped(provider_id=world.provider.pk, starts_on=dt.date(2026, 6, 1))
        daily = AuditTemplate.objects.get(provider=world.provider, key="daily")
        audit = audits.audit_start(by=world.tia, location_id=world.home.pk, template=daily, day=dt.date(2026, 6, 10))
        questions = list(AuditQuestion.objects.filter(version_id=audit.version_id).order_by("position"))
        given = {"yes_no": "yes", "number": "0", "text": "None"}
        audits.audit_answers_record(
            audit=audit, by=world.tia, answers=[audits.AnswerInput(q.pk, given[q.answer_type]) for q in questions]
        )
        audits.audit_answers_record(audit=audit, by=world.tia, answers=[audits.AnswerInput(questions[0].pk, "no")])
        audit_finding = audits.audit_finding_add(
            audit=audit,
            by=world.tia,
            text="Ada's 08:00 dose was not recorded",
            question_id=questions[0].pk,
            action=audits.ActionInput(
                kind="supervision", what="Supervise the round", owner_id=world.tia.pk, due_on=dt.date(2026, 6, 18)
            ),
        )
        audit = audits.audit_sign(audit=audit, by=world.tia, note="One gap")
        addendum = audits.audit_addendum_add(audit=audit, by=world.tia, text="The GP was told")
    return Records(
        {
            "audits.AuditTemplate": daily,
            "audits.AuditTemplateVersion": audit.version,
            "audits.AuditQuestion": questions[0],
            "audits.Audit": audit,
            "audits.AuditAnswer": AuditAnswer.objects.get(replaces__isnull=False),
            "audits.AuditFinding": audit_finding,
            "audits.AuditAddendum": addendum,
            "incidents.Incident": incident,
            "incidents.IncidentStaff": incident.staff.get(),
            "incidents.IncidentNotice": notice,
            "incidents.CqcNotification": cqc,
            "incidents.CandourRecord": candour,
            "incidents.IncidentFinding": finding,
            "actions.CorrectiveAction": corrective,
            "alerts.Alert": Alert.objects.get(due_dose=tomorrow),
            "alerts.AlertAction": step,
            "notifications.Notification": Notification.objects.filter(recipient=world.tia).first(),
            "notifications.EmailDelivery": EmailDelivery.objects.order_by("pk").first(),
            "alerts.AlertRecord": AlertRecord.objects.filter(allergy_decision__isnull=False).get(),
            "medication.AllergyDecision": AllergyDecision.objects.get(),
            "medication.DosingInstruction": instruction,
            "medication.DosingInstructionCheck": dosing_check,
            "medication.Visit": visit,
            "people.Allergy": allergy,
            "people.AllergyCorrection": correction,
            "people.AllergyStatusRecord": status,
            "medication.Administration": prn,
            "medication.PromptAnswer": PromptAnswer.objects.filter(administration=prn).first(),
            "medication.PromptShowing": PromptShowing.objects.get(administration=prn),
            "medication.AdministrationCorrection": AdministrationCorrection.objects.get(),
            "medication.PrnFollowUp": PrnFollowUp.objects.get(),
            "medication.Prescription": ramipril,
            "medication.TranscriptionCheck": TranscriptionCheck.objects.get(prescription=ramipril),
            "medication.PrescriptionEvent": PrescriptionEvent.objects.filter(prescription=ramipril).first(),
            "medication.DueDose": tomorrow,
            "medication.LateDoseDecision": LateDoseDecision.objects.get(),
            "audit_log.AuditEvent": AuditEvent.objects.order_by("-id").first(),
        }
    )


def model_of(label: str) -> type[models.Model]:
    return next(m for m in protected_models() if m._meta.label == label)


def fixed_fields(model: type[models.Model]) -> list[Any]:
    spec = model.append_only  # type: ignore[attr-defined]
    return [f for f in model._meta.concrete_fields if f.name not in spec.mutable]


def a_different_value(field: Any, current: Any) -> Any:
    """Some value of the column's type that is not the one it holds (a foreign key's target need not exist)."""
    kind = (field.target_field if field.is_relation else field).get_internal_type()
    candidates: dict[str, list[Any]] = {
        "CharField": ["changed", "changed again"],
        "TextField": ["changed", "changed again"],
        "BooleanField": [True, False],
        "DecimalField": [Decimal("7.5"), Decimal("8.5")],
        "DateTimeField": [dt.datetime(2020, 1, 1, tzinfo=dt.UTC), dt.datetime(2021, 1, 1, tzinfo=dt.UTC)],
        "DateField": [dt.date(2020, 1, 1), dt.date(2021, 1, 1)],
        "TimeField": [dt.time(3, 33), dt.time(4, 44)],
        "UUIDField": [uuid.uuid4()],
        "JSONField": [["changed"], ["changed again"]],
    }
    options = candidates.get(kind, [7, 8])  # the integer kinds (small enough for a smallint)
    return next(v for v in options if v != current)


def raw(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def refused(sql: str, params: list[Any] | None = None) -> str:
    """Run raw SQL that the database must refuse; the refusal's message."""
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        raw(sql, params)
    return str(error.value)


def row_values(model: type[models.Model], pk: Any) -> dict[str, Any]:
    return model._default_manager.filter(pk=pk).values().get()


def qn(name: str) -> str:
    return connection.ops.quote_name(name)


# --- The registry and the database agree -------------------------------------------------------------------


def test_the_clinical_record_tables_are_the_ones_held_append_only():
    declared = {m._meta.label: set(m.append_only.mutable) for m in protected_models()}
    assert declared == CLINICAL_RECORDS


def test_every_append_only_model_has_its_triggers_in_the_database(db):
    """A model declared append-only but never protected by a migration (or whose declaration changed since,
    or, on SQLite, whose table was rebuilt by a later migration) fails here, with the line to write."""
    problems = []
    for model in protected_models():
        found = append_only.trigger_problems(model)
        if found:
            mutable = f", mutable={model.append_only.literal()!r}" if model.append_only.mutable else ""
            line = f"ProtectAppendOnly({model._meta.model_name!r}{mutable})"
            problems.append(f"{model._meta.label}: {found}; add a migration to {model._meta.app_label}: {line}")
    assert not problems, "\n".join(problems)
    held = append_only.tables_with_append_only_triggers()
    assert held == {m._meta.db_table for m in protected_models()}, "the database holds tables Python does not declare"


def test_each_declaration_names_real_columns_and_valid_transitions():
    for model in protected_models():
        for name, moves in model.append_only.mutable.items():
            field = model._meta.get_field(name)
            if moves is not None:
                valid = {value for value, _ in field.choices}
                assert {v for move in moves for v in move} <= valid, f"{model._meta.label}.{name}: {moves}"


# --- Raw SQL ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("label", LABELS)
def test_raw_sql_cannot_change_any_fixed_column_of_a_clinical_record(records, label):
    model = model_of(label)
    row = records.row(label)
    table, pk_column = model._meta.db_table, model._meta.pk.column
    before = row_values(model, row.pk)
    for field in fixed_fields(model):
        value = field.get_db_prep_value(a_different_value(field, getattr(row, field.attname)), connection)
        message = refused(
            f"UPDATE {qn(table)} SET {qn(field.column)} = %s WHERE {qn(pk_column)} = %s",
            [value, model._meta.pk.get_db_prep_value(row.pk, connection)],
        )
        assert f"{table} is append-only" in message and field.column in message, message
    assert row_values(model, row.pk) == before


@pytest.mark.parametrize("label", LABELS)
def test_raw_sql_cannot_delete_a_clinical_record(records, label):
    model = model_of(label)
    row = records.row(label)
    table = model._meta.db_table
    message = refused(f"DELETE FROM {qn(table)} WHERE {qn(model._meta.pk.column)} = %s", [_pk(row)])
    assert f"{table} is append-only: DELETE refused" in message
    refused(f"DELETE FROM {qn(table)}")  # the whole table: SQLite's truncate shortcut is off where triggers are
    assert model._default_manager.filter(pk=row.pk).exists()


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_truncate_is_refused_on_postgres_even_when_it_cascades(records):
    raw("SET CONSTRAINTS ALL IMMEDIATE")  # check this test's deferred foreign keys now: TRUNCATE waits for none
    for model in protected_models():
        message = refused(f"TRUNCATE {qn(model._meta.db_table)} CASCADE")
        assert "TRUNCATE refused" in message
    refused("TRUNCATE people_person CASCADE")  # would empty every table that points at a person
    assert PromptAnswer.objects.exists()


def test_an_administration_may_only_be_marked_entered_in_error(records):
    given = records.row("medication.Administration")
    table = qn("medication_administration")
    raw(f"UPDATE {table} SET status = 'entered_in_error' WHERE id = %s", [_pk(given)])
    given.refresh_from_db()
    assert given.status == Administration.Status.ENTERED_IN_ERROR
    message = refused(f"UPDATE {table} SET status = 'completed' WHERE id = %s", [_pk(given)])
    assert "status may change only from completed to entered_in_error" in message
    # The ORM lets the status column through; the database still holds the transition.
    with pytest.raises(IntegrityError), transaction.atomic():
        Administration.objects.filter(pk=given.pk).update(status=Administration.Status.COMPLETED)


def test_a_prescription_status_follows_its_lifecycle_and_a_stopped_one_stays_stopped(records, world):
    ramipril = records.row("medication.Prescription")
    table = qn("medication_prescription")
    raw(f"UPDATE {table} SET status = 'suspended' WHERE id = %s", [_pk(ramipril)])
    raw(f"UPDATE {table} SET status = 'active' WHERE id = %s", [_pk(ramipril)])
    with time_machine.travel(MORNING + dt.timedelta(hours=2), tick=False):
        prescription_discontinue(prescription=ramipril, by=world.sam, reason="GP stopped it: low blood pressure")
    for status in ("active", "suspended", "superseded"):
        message = refused(f"UPDATE {table} SET status = %s WHERE id = %s", [status, _pk(ramipril)])
        assert "status may change only" in message
    message = refused(f"UPDATE {table} SET dose_min = 2 WHERE id = %s", [_pk(ramipril)])
    assert "column dose_min may not be updated" in message
    ramipril.refresh_from_db()
    assert ramipril.status == PrescriptionStatus.DISCONTINUED


def test_a_due_dose_may_be_withdrawn_but_never_deleted_nor_brought_back(records):
    slot = records.row("medication.DueDose")
    table = qn("medication_duedose")
    raw(
        f"UPDATE {table} SET state = 'withdrawn', withdrawn_at = %s, withdrawn_reason = %s WHERE id = %s",
        [
            DueDose._meta.get_field("withdrawn_at").get_db_prep_value(MORNING, connection),
            "Prescription changed",
            _pk(slot),
        ],
    )
    message = refused(f"UPDATE {table} SET state = 'pending' WHERE id = %s", [_pk(slot)])
    assert "state may change only" in message
    assert "DELETE refused" in refused(f"DELETE FROM {table} WHERE id = %s", [_pk(slot)])
    slot.refresh_from_db()
    assert slot.state == DueDose.State.WITHDRAWN and slot.withdrawn_reason == "Prescription changed"


def _sqlite() -> bool:
    return connection.vendor == "sqlite"


def _pk(row: models.Model) -> Any:
    return type(row)._meta.pk.get_db_prep_value(row.pk, connection)


# --- The ORM ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("label", LABELS)
def test_the_orm_refuses_to_edit_or_delete_a_clinical_record(records, label):
    model = model_of(label)
    row = records.row(label)
    table = model._meta.db_table
    manager = model._default_manager
    before = row_values(model, row.pk)
    fixed = fixed_fields(model)
    with pytest.raises(AppendOnlyViolation, match=table):
        row.save()
    for field in fixed:
        value = a_different_value(field, getattr(row, field.attname))
        with pytest.raises(AppendOnlyViolation, match=rf"{table} is append-only: column {field.column} "):
            manager.filter(pk=row.pk).update(**{field.attname: value})
        with pytest.raises(AppendOnlyViolation, match=rf"column {field.column} "):
            row.save(update_fields=[field.name])
    with pytest.raises(AppendOnlyViolation, match=rf"column {fixed[-1].column} "):
        manager.bulk_update([row], [fixed[-1].name])
    with pytest.raises(AppendOnlyViolation, match=rf"{table} is append-only: rows are never deleted"):
        row.delete()
    with pytest.raises(AppendOnlyViolation, match=rf"{table} is append-only: rows are never deleted"):
        manager.filter(pk=row.pk).delete()
    with pytest.raises(AppendOnlyViolation):
        manager.all().delete()
    assert row_values(model, row.pk) == before


def test_a_new_object_with_an_existing_id_is_an_insert_and_refused_not_an_update(records):
    answer = records.row("medication.PromptAnswer")
    copy = PromptAnswer(**{f.attname: getattr(answer, f.attname) for f in PromptAnswer._meta.concrete_fields})
    copy.result = "failed"
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()
    answer.refresh_from_db()
    assert answer.result == "confirmed"


def test_the_services_projection_updates_still_work(records, world):
    """The ORM guard lets through exactly what the services write: status, state and the withdrawal."""
    prn = records.row("medication.Administration")
    prn.status = Administration.Status.ENTERED_IN_ERROR
    prn.save(update_fields=["status"])
    slot = records.row("medication.DueDose")
    assert DueDose.objects.filter(pk=slot.pk).update(
        state=DueDose.State.WITHDRAWN, withdrawn_at=MORNING, withdrawn_reason="Changed"
    )
    with pytest.raises(AppendOnlyViolation, match="column scheduled_at"):
        DueDose.objects.filter(pk=slot.pk).update(state=DueDose.State.WITHDRAWN, scheduled_at=MORNING)


# --- The unlock --------------------------------------------------------------------------------------------------


def test_maintenance_can_remove_records_inside_the_audited_unlock_only(records, world):
    answer = records.row("medication.PromptAnswer")
    answer_pk = answer.pk
    follow_up = records.row("medication.PrnFollowUp")
    with maintenance_unlocked(job="retention.purge", reason="Records older than 8 years", by=world.maria):
        answer.delete()
        raw(f"DELETE FROM {qn('medication_prnfollowup')} WHERE id = %s", [follow_up.pk])
        assert append_only.switch_is_on_in_database()
    assert not PromptAnswer.objects.filter(pk=answer_pk).exists()
    assert not PrnFollowUp.objects.filter(pk=follow_up.pk).exists()
    event = AuditEvent.objects.get(action=UNLOCKED_ACTION)
    assert event.actor == world.maria
    assert event.after == {"job": "retention.purge", "reason": "Records older than 8 years"}
    # ...and once the block is over, the next attempt is refused again.
    assert not append_only.switch_is_on_in_database()
    refused(f"DELETE FROM {qn('medication_promptanswer')}")


def test_a_failed_maintenance_block_leaves_no_trace_and_no_unlock(records, world):
    answer = records.row("medication.PromptAnswer")
    pk = answer.pk
    with pytest.raises(RuntimeError), maintenance_unlocked(job="retention.purge", reason="Old records"):
        answer.delete()
        raise RuntimeError("the job failed half-way")
    assert PromptAnswer.objects.filter(pk=pk).exists()
    assert not AuditEvent.objects.filter(action=UNLOCKED_ACTION).exists()
    assert not append_only.switch_is_on_in_database() and not append_only.is_unlocked()
    refused(f"DELETE FROM {qn('medication_promptanswer')}")


def test_the_unlock_ends_with_its_block_even_inside_a_longer_transaction(records):
    with transaction.atomic():
        with unlocked(reason="test: nested in a longer transaction"):
            with unlocked(reason="test: nested twice"):
                pass
            assert append_only.switch_is_on_in_database()  # the outer block is still open
        assert not append_only.switch_is_on_in_database() and not append_only.is_unlocked()
        refused(f"DELETE FROM {qn('medication_promptanswer')}")
        with pytest.raises(AppendOnlyViolation):
            PromptAnswer.objects.all().delete()


def test_the_unlock_does_not_reach_another_thread_or_connection(records):
    seen: dict[str, bool] = {}

    def elsewhere() -> None:
        try:
            seen["orm"] = append_only.is_unlocked()
            seen["database"] = append_only.switch_is_on_in_database()
        finally:
            connections.close_all()

    with unlocked(reason="test: is it visible elsewhere?"):
        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join()
        assert append_only.switch_is_on_in_database()
    assert seen == {"orm": False, "database": False}


def test_the_unlock_needs_a_reason():
    with pytest.raises(ValueError, match="Say why"), unlocked(reason="  "):
        pass
    with pytest.raises(ValueError, match="Name the job"), maintenance_unlocked(job="retention", reason=""):
        pass


def try_to_unlock(request: HttpRequest) -> HttpResponse:
    with unlocked(reason="a request trying its luck"):
        return HttpResponse("unlocked")


urlpatterns = [path("try-to-unlock/", try_to_unlock)]


@pytest.mark.urls("carebook.medication.tests.test_append_only")
def test_no_request_can_unlock_the_clinical_tables(client, world):
    client.force_login(world.pat)
    with pytest.raises(UnlockRefused):
        client.get("/try-to-unlock/")
    with pytest.raises(UnlockRefused):
        client.post("/try-to-unlock/")
    with unlocked(reason="test: outside a request it works"):
        pass


def test_the_switch_is_named_in_one_module_and_the_bare_unlock_used_in_two():
    """Nothing can turn the triggers off behind the audited path: the switch's SQL names live in one module,
    and outside the tests only the audited maintenance path and the test-suite flush call ``unlocked``."""
    switch = re.compile(r"carebook\.unlock|carebook_unlocked|set_config\(")
    bare_unlock = re.compile(r"(?<![\w])unlocked\(")
    allowed_unlock = {"carebook/audit_log/maintenance.py", "carebook/testing/append_only.py"}
    spelled, calls = [], []
    for file in sorted([*REPO.glob("carebook/**/*.py"), *REPO.glob("config/**/*.py"), *REPO.glob("bench/**/*.py")]):
        name = file.relative_to(REPO).as_posix()
        if name == "carebook/core/append_only.py" or "/tests/" in name:
            continue
        text = file.read_text(encoding="utf-8")
        if switch.search(text):
            spelled.append(name)
        if bare_unlock.search(text) and name not in allowed_unlock:
            calls.append(name)
    assert spelled == [] and calls == []


# --- Fails closed, and the test suite's own flush ----------------------------------------------------------


@sqlite_only
def test_an_sqlite_client_without_carebooks_function_cannot_edit_or_delete(records):
    """The sqlite3 shell, a backup tool, a script: none has carebook's function, so the triggers fail them."""
    name = connection.settings_dict["NAME"]
    other = sqlite3.connect(name, uri=str(name).startswith("file:"))
    try:
        for sql in (
            "UPDATE medication_administration SET outcome = 'refused'",
            "DELETE FROM medication_promptanswer",
            "UPDATE medication_duedose SET state = state",
        ):
            with pytest.raises(sqlite3.OperationalError, match="no such function"):
                other.execute(sql)
    finally:
        other.close()


def test_manage_py_flush_is_refused_outside_the_test_suites_unlock(records, monkeypatch):
    monkeypatch.setattr(
        testing_append_only.BaseDatabaseOperations, "execute_sql_flush", testing_append_only.ORIGINAL_EXECUTE_SQL_FLUSH
    )
    with pytest.raises(CommandError, match="couldn't be flushed"):
        call_command("flush", interactive=False, verbosity=0)
    assert Administration.objects.exists() and AuditEvent.objects.exists()


# The transactional tests (committed rows, then a flush) are in test_append_only_transactional.py: this
# module's tests share one transaction.
