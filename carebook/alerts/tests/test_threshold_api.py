"""The API of a location's alert thresholds: read by the staff who see its alerts, changed by the registered manager
only (audited), another provider's location 404, a bad setting 422 with its field and nothing written."""

from __future__ import annotations

import pytest

from carebook.access.models import Role
from carebook.alerts.models import AlertThresholds
from carebook.alerts.tests.test_pages_permissions import ROLES, _member
from carebook.audit_log.models import AuditEvent
from carebook.medication.api.testing import api_as

VIEWING = frozenset({Role.CARE_WORKER, Role.SENIOR_CARER, Role.TEAM_LEADER, Role.COORDINATOR, Role.REGISTERED_MANAGER})


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_and_who_changes_a_locations_thresholds(world, role):
    client = api_as(_member(world, role))
    for where, location in (("other", world.elsewhere), ("own", world.home)):
        path = f"/alerts/thresholds/{location.pk}"
        read = 403 if role not in VIEWING else (404 if where == "other" else 200)
        assert client.get(path).status_code == read, (role, where)
        before = AuditEvent.objects.count(), AlertThresholds.objects.count()
        changed = client.post(path, {"refusal_count": 2}).status_code
        expected = (
            403 if role not in VIEWING else 404 if where == "other" else 200 if role == Role.REGISTERED_MANAGER else 403
        )
        assert changed == expected, (role, where)
        if changed != 200:
            assert (AuditEvent.objects.count(), AlertThresholds.objects.count()) == before


def test_the_manager_changes_one_setting_and_sees_what_is_in_force(world):
    client = api_as(world.maria)
    path = f"/alerts/thresholds/{world.home.pk}"
    body = client.get(path).json()
    assert body["settings"]["refusal_count"] is None and body["in_force"]["refusal_count"] == 3
    assert body["in_force"]["overdue_minutes"] is None  # the dose window
    body = client.post(path, {"refusal_count": 4, "late_recording_minutes": 90}).json()
    assert body["settings"]["refusal_count"] == 4 and body["in_force"]["late_recording_minutes"] == 90
    body = client.post(path, {"refusal_count": None}).json()  # back to the default; the other setting kept
    assert body["in_force"]["refusal_count"] == 3 and body["settings"]["late_recording_minutes"] == 90
    assert AuditEvent.objects.filter(action="alert.thresholds_changed").count() == 2


@pytest.mark.parametrize(
    ("body", "field"), [({"refusal_days": 40}, "refusal_days"), ({"omission_count": 1}, "omission_count")]
)
def test_a_bad_setting_is_422_with_its_field_and_writes_nothing(world, body, field):
    client = api_as(world.maria)
    before = AuditEvent.objects.count()
    response = client.post(f"/alerts/thresholds/{world.home.pk}", body)
    assert response.status_code == 422 and response.json()["field"] == field
    assert not AlertThresholds.objects.exists() and AuditEvent.objects.count() == before


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_and_who_changes_a_prescriptions_thresholds(world, role):
    from carebook.alerts.models import PrescriptionAlertThresholds
    from carebook.testing.factories import MedicineFactory, PersonFactory, prescribe

    own = prescribe(world.ada, MedicineFactory(), by=world.sam, checker=world.tia)
    other = prescribe(PersonFactory(location=world.elsewhere), MedicineFactory(), by=world.sam, checker=world.tia)
    client = api_as(_member(world, role))
    for where, rx in (("other", other), ("own", own)):
        path = f"/alerts/prescription-thresholds/{rx.pk}"
        read = 403 if role not in VIEWING else (404 if where == "other" else 200)
        assert client.get(path).status_code == read, (role, where)
        before = AuditEvent.objects.count(), PrescriptionAlertThresholds.objects.count()
        changed = client.post(path, {"missed_minutes": 120}).status_code
        expected = (
            403 if role not in VIEWING else 404 if where == "other" else 200 if role == Role.REGISTERED_MANAGER else 403
        )
        assert changed == expected, (role, where)
        if changed != 200:
            assert (AuditEvent.objects.count(), PrescriptionAlertThresholds.objects.count()) == before


def test_the_manager_sets_a_prescriptions_own_threshold_over_its_locations(world):
    from carebook.testing.factories import MedicineFactory, prescribe

    rx = prescribe(world.ada, MedicineFactory(), by=world.sam, checker=world.tia)
    client = api_as(world.maria)
    client.post(f"/alerts/thresholds/{world.home.pk}", {"refusal_count": 5, "missed_minutes": 150})
    path = f"/alerts/prescription-thresholds/{rx.pk}"
    body = client.get(path).json()
    assert body["settings"] == dict.fromkeys(body["settings"])  # nothing of its own
    assert body["in_force"]["refusal_count"] == 5 and body["in_force"]["missed_minutes"] == 150
    body = client.post(path, {"refusal_count": 2, "missed_minutes": 90}).json()
    assert body["settings"]["refusal_count"] == 2 and body["in_force"]["missed_minutes"] == 90
    assert body["in_force"]["omission_count"] == 3  # the location's (the default) where a prescription cannot set
    response = client.post(path, {"omission_count": 2})
    assert response.status_code == 422  # not a prescription's setting
    response = client.post(path, {"refusal_days": 0})
    assert response.status_code == 422 and response.json()["field"] == "refusal_days"
