"""An alert's lifecycle, through the services: acknowledged → steps → resolved with an outcome; every refusal
writes nothing; who and when are the signed-in user and the server clock."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from carebook.alerts.lifecycle import alert_acknowledge, alert_action_record, alert_resolve
from carebook.alerts.models import Alert, AlertAction
from carebook.alerts.rules import ActionInput
from carebook.alerts.services import alerts_scan
from carebook.alerts.vocab import AlertStatus
from carebook.audit_log.models import AuditEvent
from carebook.core.errors import Conflict, PermissionDenied, ValidationFailed
from carebook.medication.services.prescriptions import PrescriptionInput, prescription_change
from carebook.testing.factories import MedicineFactory, prescribe

DUE = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)  # 08:00 BST
LATER = DUE + dt.timedelta(hours=1, minutes=5)  # the window closed at 09:00 BST


@pytest.fixture
def alert(world):
    with time_machine.travel(DUE - dt.timedelta(hours=12), tick=False):
        prescribe(world.ada, MedicineFactory(name="Ramipril"), by=world.sam, checker=world.tia)
    with time_machine.travel(LATER, tick=False):
        (alert_id,) = alerts_scan().raised
    return Alert.objects.get(pk=alert_id)


def at(minutes: int):
    return time_machine.travel(LATER + dt.timedelta(minutes=minutes), tick=False)


def unchanged(alert: Alert):
    """A snapshot to compare after a refusal: the alert's row, its steps and the audit log."""
    alert.refresh_from_db()
    return (alert.status, alert.outcome, AlertAction.objects.count(), AuditEvent.objects.count())


def test_acknowledged_then_steps_then_resolved_with_the_last_outcome(world, alert):
    with at(2):
        alert_acknowledge(alert=alert, by=world.colin)
    assert (alert.status, alert.acknowledged_by, alert.acknowledged_at) == (
        AlertStatus.ACKNOWLEDGED,
        world.colin,
        LATER + dt.timedelta(minutes=2),
    )
    with at(5):
        alert_action_record(
            alert=alert, by=world.colin, step=ActionInput(kind="contacted_care_worker", answer="not_given")
        )
    with at(9):
        alert_action_record(
            alert=alert,
            by=world.colin,
            step=ActionInput(kind="escalated", professional="gp", advice="Give it now; the next as usual."),
        )
    with at(10):
        alert_action_record(alert=alert, by=world.colin, step=ActionInput(kind="advice_outcome", outcome="give_now"))
    with at(12):
        alert_resolve(alert=alert, by=world.colin, note="Given at 09:20 on the GP's advice")
    assert (alert.status, alert.outcome, alert.resolved_by, alert.resolved_at) == (
        AlertStatus.RESOLVED,
        "give_now",
        world.colin,
        LATER + dt.timedelta(minutes=12),
    )
    steps = list(alert.actions.order_by("at").values_list("kind", "by__username"))
    assert steps == [
        ("contacted_care_worker", "colin"),
        ("escalated", "colin"),
        ("advice_outcome", "colin"),
        ("note", "colin"),
    ]
    actions = AuditEvent.objects.filter(
        entity_id__in=[str(alert.pk), *map(str, alert.actions.values_list("pk", flat=True))]
    )
    assert set(actions.values_list("action", flat=True)) >= {
        "alert.raised",
        "alert.acknowledged",
        "alert.action_recorded",
        "alert.resolved",
    }


def test_an_alert_cannot_be_resolved_without_an_outcome(world, alert):
    with at(1):
        alert_acknowledge(alert=alert, by=world.tia)
        alert_action_record(alert=alert, by=world.tia, step=ActionInput(kind="note", note="Phoned the carer"))
    before = unchanged(alert)
    with at(2), pytest.raises(ValidationFailed) as refused:
        alert_resolve(alert=alert, by=world.tia)
    assert refused.value.field == "outcome" and "without an outcome" in str(refused.value)
    assert unchanged(alert) == before


def test_an_alert_is_acknowledged_before_it_is_resolved_and_once(world, alert):
    before = unchanged(alert)
    with at(1), pytest.raises(Conflict, match="Acknowledge"):
        alert_resolve(alert=alert, by=world.tia)
    assert unchanged(alert) == before
    with at(2):
        alert_acknowledge(alert=alert, by=world.tia)
    with at(3), pytest.raises(Conflict, match="Tia Leader acknowledged this alert at 09:07"):
        alert_acknowledge(alert=alert, by=world.colin)


def test_who_may_do_what(world, alert):
    before = unchanged(alert)
    with at(1), pytest.raises(PermissionDenied):
        alert_acknowledge(alert=alert, by=world.carla)  # a care worker does not take an alert on
    with at(1):
        alert_acknowledge(alert=alert, by=world.sam)
        # ... but records what they were asked
        alert_action_record(
            alert=alert, by=world.carla, step=ActionInput(kind="contacted_care_worker", answer="given_not_recorded")
        )
    before = unchanged(alert)
    with at(2), pytest.raises(PermissionDenied):
        alert_action_record(
            alert=alert, by=world.carla, step=ActionInput(kind="advice_outcome", outcome="no_harm_expected")
        )
    with at(2):
        alert_action_record(
            alert=alert, by=world.sam, step=ActionInput(kind="advice_outcome", outcome="no_harm_expected")
        )
    before = unchanged(alert)
    with at(3), pytest.raises(PermissionDenied):
        alert_resolve(alert=alert, by=world.sam)  # a senior carer does not resolve: a team leader or above
    assert unchanged(alert) == before


@pytest.mark.parametrize(
    ("step", "field"),
    [
        (ActionInput(kind="contacted_care_worker"), "answer"),
        (ActionInput(kind="escalated", professional="gp"), "advice"),
        (ActionInput(kind="escalated", advice="Give it"), "professional"),
        (ActionInput(kind="advice_outcome"), "outcome"),
        (ActionInput(kind="advice_outcome", outcome="medication_changed"), "new_prescription"),
        (
            ActionInput(kind="advice_outcome", outcome="observe", observe_until=LATER + dt.timedelta(hours=4)),
            "observe_what",
        ),
        (ActionInput(kind="advice_outcome", outcome="observe", observe_what="Pulse hourly"), "observe_until"),
        (ActionInput(kind="informed"), "informed"),
        (ActionInput(kind="note", note="  "), "note"),
        (ActionInput(kind="shrugged"), "kind"),
    ],
)
def test_a_step_says_what_it_must(world, alert, step, field):
    with at(1):
        alert_acknowledge(alert=alert, by=world.tia)
    before = unchanged(alert)
    with at(2), pytest.raises(ValidationFailed) as refused:
        alert_action_record(alert=alert, by=world.tia, step=step)
    assert refused.value.field == field
    assert unchanged(alert) == before


def test_medication_changed_links_the_new_version_of_this_persons_prescription(world, alert):
    with at(1):
        alert_acknowledge(alert=alert, by=world.tia)
        new = prescription_change(
            prescription=alert.prescription,
            by=world.tia,
            data=PrescriptionInput(
                medicine_id=alert.prescription.medicine_id,
                dose_min="1",
                directions="Take ONE each evening",
                times=["18:00"],
                prescriber="Dr A Khan",
            ),
            reason="GP moved it to the evening after the missed dose",
        )
        with time_machine.travel(DUE - dt.timedelta(days=2), tick=False):
            berts = prescribe(world.bert, MedicineFactory(name="Bisoprolol"), by=world.sam)
    before = unchanged(alert)
    with at(2), pytest.raises(ValidationFailed) as refused:
        alert_action_record(
            alert=alert,
            by=world.tia,
            step=ActionInput(kind="advice_outcome", outcome="medication_changed"),
            new_prescription_id=berts.pk,
        )
    assert refused.value.field == "new_prescription" and unchanged(alert) == before
    with at(3):
        step = alert_action_record(
            alert=alert,
            by=world.tia,
            step=ActionInput(kind="advice_outcome", outcome="medication_changed"),
            new_prescription_id=new.pk,
        )
        alert_resolve(alert=alert, by=world.tia)
    assert step.new_prescription == new and alert.outcome == "medication_changed"


def test_nothing_more_is_recorded_on_a_resolved_alert(world, alert):
    with at(1):
        alert_acknowledge(alert=alert, by=world.tia)
        alert_action_record(
            alert=alert, by=world.tia, step=ActionInput(kind="advice_outcome", outcome="no_harm_expected")
        )
        alert_resolve(alert=alert, by=world.tia)
    before = unchanged(alert)
    with at(2), pytest.raises(Conflict, match="resolved"):
        alert_action_record(alert=alert, by=world.tia, step=ActionInput(kind="note", note="Late thought"))
    with at(2), pytest.raises(Conflict, match="Tia Leader resolved this alert"):
        alert_acknowledge(alert=alert, by=world.colin)
    assert unchanged(alert) == before
