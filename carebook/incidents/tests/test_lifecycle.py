"""An incident's lifecycle through the services: reported (on its own or from an alert) → who was told, findings
(under review), corrective actions → signed off by the registered manager only, never with an open action, never
without findings, the duty of candour or the CQC notification the rules require. Every refusal writes nothing (no
row, no audit event)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from carebook.actions.models import CorrectiveAction
from carebook.alerts.models import Alert
from carebook.alerts.services import alerts_scan
from carebook.audit_log.models import AuditEvent
from carebook.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from carebook.incidents import rules, services
from carebook.incidents.models import CandourRecord, CqcNotification, Incident, IncidentFinding, IncidentNotice
from carebook.incidents.selectors import incident_rows, incident_timeline
from carebook.incidents.tests.conftest import NOW, TODAY, report
from carebook.incidents.vocab import IncidentStatus
from carebook.testing.factories import MedicineFactory, prescribe


def at(minutes: int):
    return time_machine.travel(NOW + dt.timedelta(minutes=minutes), tick=False)


def everything():
    """What a refused write must leave as it was: every incident's row, every row added to one, the audit log."""
    return (
        sorted(Incident.objects.values_list("pk", "status", "signed_off_by", "review_started_by")),
        IncidentNotice.objects.count(),
        CqcNotification.objects.count(),
        CandourRecord.objects.count(),
        IncidentFinding.objects.count(),
        sorted(CorrectiveAction.objects.values_list("pk", "completed_at")),
        AuditEvent.objects.count(),
    )


def add_action(incident, world, **kw):
    return services.incident_action_add(
        incident=incident,
        by=kw.get("by", world.maria),
        kind="training",
        what="Medicines administration refresher",
        owner_id=kw.get("owner", world.carla).pk,
        due_on=TODAY + dt.timedelta(days=7),
    )


def test_from_report_to_sign_off_with_the_timeline_oldest_first(world, incident):
    with at(10):
        services.incident_notice_record(incident=incident, by=world.tia, party="gp", told_at=NOW, note="No harm")
    with at(20):
        services.incident_finding_record(incident=incident, by=world.maria, text="The MAR page was turned over")
    assert incident.status == IncidentStatus.UNDER_REVIEW and incident.review_started_by == world.maria
    with at(30):
        action = add_action(incident, world)
    with at(40):
        services.incident_action_complete(incident=incident, action=action, by=world.carla, note="E-learning done")
    with at(50):
        services.incident_sign_off(incident=incident, by=world.maria, note="Learning shared at handover")
    incident.refresh_from_db()
    assert (incident.status, incident.signed_off_by, incident.signed_off_at) == (
        IncidentStatus.CLOSED,
        world.maria,
        NOW + dt.timedelta(minutes=50),
    )
    timeline = incident_timeline(incident_rows(incident))
    assert [(e.what, e.by) for e in timeline] == [
        ("Reported", "Tia Leader"),
        ("Who was told", "Tia Leader"),
        ("Finding", "Maria Manager"),
        ("Under review", "Maria Manager"),
        ("Corrective action set", "Maria Manager"),
        ("Corrective action completed", "Carla Carer"),
        ("Signed off and closed", "Maria Manager"),
    ]
    assert [e.at for e in timeline] == sorted(e.at for e in timeline)
    assert "E-learning done" in timeline[5].details[1]


def test_no_close_with_an_open_action_and_the_refusal_writes_nothing(world, incident):
    with at(1):
        services.incident_finding_record(incident=incident, by=world.maria, text="Found")
        add_action(incident, world)
    before = everything()
    with at(2), pytest.raises(Conflict) as refused:
        services.incident_sign_off(incident=incident, by=world.maria)
    assert refused.value.code == "open_actions"
    assert everything() == before


def test_no_close_without_findings(world, incident):
    before = everything()
    with at(1), pytest.raises(ValidationFailed) as refused:
        services.incident_sign_off(incident=incident, by=world.maria)
    assert refused.value.code == "findings_required"
    assert everything() == before


def test_no_close_without_candour_or_the_cqc_notification_where_harm_is_moderate(world):
    incident = report(world, harm="moderate")
    with at(1):
        services.incident_finding_record(incident=incident, by=world.maria, text="Found")
    before = everything()
    with at(2), pytest.raises(ValidationFailed) as refused:
        services.incident_sign_off(incident=incident, by=world.maria)
    assert refused.value.code == "candour_required" and everything() == before
    with at(3):
        services.incident_candour_record(
            incident=incident,
            by=world.maria,
            candour=rules.CandourInput(told="family", told_on=TODAY, apology=True, written_on=TODAY),
        )
    before = everything()
    with at(4), pytest.raises(ValidationFailed) as refused:
        services.incident_sign_off(incident=incident, by=world.maria)
    assert refused.value.code == "cqc_notification_required" and everything() == before
    with at(5):
        services.incident_cqc_record(incident=incident, by=world.maria, notified_at=NOW, reference="CQC-123")
    with at(6):
        services.incident_sign_off(incident=incident, by=world.maria)
    assert Incident.objects.get(pk=incident.pk).status == IncidentStatus.CLOSED


def test_a_safeguarding_referral_makes_the_cqc_notification_required(world, incident):
    with at(1):
        services.incident_finding_record(incident=incident, by=world.maria, text="Found")
        services.incident_notice_record(incident=incident, by=world.maria, party="safeguarding", told_at=NOW)
    with at(2), pytest.raises(ValidationFailed) as refused:
        services.incident_sign_off(incident=incident, by=world.maria)
    assert refused.value.code == "cqc_notification_required"


@pytest.mark.parametrize("who", ["carla", "sam", "tia", "colin", "pat"])
def test_only_the_registered_manager_signs_off(world, incident, who):
    with at(1):
        services.incident_finding_record(incident=incident, by=world.maria, text="Found")
    before = everything()
    with at(2), pytest.raises(PermissionDenied):
        services.incident_sign_off(incident=incident, by=getattr(world, who))
    assert everything() == before


def test_a_closed_incident_takes_nothing_more(world, incident):
    with at(1):
        services.incident_finding_record(incident=incident, by=world.maria, text="Found")
        services.incident_sign_off(incident=incident, by=world.maria)
    before = everything()
    with at(2):
        for write in (
            lambda: services.incident_finding_record(incident=incident, by=world.maria, text="More"),
            lambda: add_action(incident, world),
            lambda: services.incident_notice_record(incident=incident, by=world.maria, party="gp", told_at=NOW),
            lambda: services.incident_sign_off(incident=incident, by=world.maria),
        ):
            with pytest.raises(Conflict):
                write()
    assert everything() == before


def test_refused_writes_change_nothing(world, incident):
    before = everything()
    with at(1):
        with pytest.raises(PermissionDenied):
            services.incident_finding_record(incident=incident, by=world.sam, text="A senior carer does not")
        with pytest.raises(ValidationFailed) as blank:
            services.incident_finding_record(incident=incident, by=world.maria, text="  ")
        assert blank.value.field == "text"
        with pytest.raises(ValidationFailed) as future:
            services.incident_notice_record(
                incident=incident, by=world.maria, party="gp", told_at=NOW + dt.timedelta(hours=1)
            )
        assert future.value.field == "told_at"
        with pytest.raises(ValidationFailed) as owner:
            add_action(incident, world, owner=world.otto)
        assert owner.value.field == "owner"
        with pytest.raises(ValidationFailed) as reference:
            services.incident_cqc_record(incident=incident, by=world.maria, notified_at=NOW, reference=" ")
        assert reference.value.field == "reference"
        with pytest.raises(ValidationFailed):
            report(world, person_id=world.stranger.pk)  # another home's resident
        with pytest.raises(PermissionDenied):
            report(world, by=world.pat)
    assert everything() == before


def test_an_action_of_another_incident_is_not_found(world, incident):
    other = report(world)
    with at(1):
        action = add_action(other, world)
    with at(2), pytest.raises(NotFound):
        services.incident_action_complete(incident=incident, action=action, by=world.maria, note="Wrong one")


def test_raised_from_an_alert_it_takes_the_alerts_person_medicine_and_dose(world):
    due = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)
    with time_machine.travel(due - dt.timedelta(hours=12), tick=False):
        ramipril = prescribe(world.ada, MedicineFactory(name="Ramipril"), by=world.sam, checker=world.tia)
    with time_machine.travel(due + dt.timedelta(minutes=65), tick=False):
        (alert_id,) = alerts_scan().raised
    alert = Alert.objects.get(pk=alert_id)
    incident = report(world, alert_id=alert.pk, person_id=None)
    assert (incident.person, incident.prescription, incident.due_dose, incident.alert, incident.location) == (
        world.ada,
        ramipril,
        alert.due_dose,
        alert,
        world.home,
    )
    with pytest.raises(NotFound):
        report(world, by=world.otto, alert_id=alert.pk, person_id=None)  # another home's carer: not found
