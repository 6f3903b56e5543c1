"""The registered manager's page for a location's alert thresholds: who may open and post it (every role, and one
the policy does not know, × own location and another provider's), what a refused post writes (nothing), and that
a change is audited with before and after."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from carebook.access.models import Role
from carebook.alerts.models import AlertThresholds
from carebook.alerts.tests.test_pages_permissions import ROLES, _member
from carebook.alerts.thresholds import thresholds_for
from carebook.audit_log.models import AuditEvent

MANAGING = frozenset({Role.REGISTERED_MANAGER})


def _writes():
    return AuditEvent.objects.count(), list(AlertThresholds.objects.values_list("location_id", "refusal_count"))


@pytest.mark.parametrize("role", ROLES)
def test_only_the_registered_manager_opens_and_changes_a_locations_thresholds(world, role):
    client = Client()
    client.force_login(_member(world, role))
    for where, location in (("other", world.elsewhere), ("own", world.home)):
        url = reverse("alerts:thresholds", args=[location.pk])
        expected = 403 if role not in MANAGING else (404 if where == "other" else 200)
        assert client.get(url).status_code == expected, (role, where)
        before = _writes()
        status = client.post(url, {"refusal_count": "2"}).status_code
        assert status == (302 if expected == 200 else expected), (role, where)
        if status != 302:
            assert _writes() == before, f"{role} POST ({where}) wrote something"


def test_a_change_is_audited_with_before_and_after_and_blank_means_the_default(world):
    client = Client()
    client.force_login(world.maria)
    url = reverse("alerts:thresholds", args=[world.home.pk])
    assert client.post(url, {"refusal_count": "2", "refusal_days": "5"}).status_code == 302
    assert (thresholds_for(world.home.pk).refusal_count, thresholds_for(world.home.pk).refusal_days) == (2, 5)
    event = AuditEvent.objects.get(action="alert.thresholds_changed")
    assert event.before["refusal_count"] is None and event.after["refusal_count"] == 2  # type: ignore[index]
    assert client.post(url, {"refusal_count": "", "refusal_days": "5"}).status_code == 302
    assert thresholds_for(world.home.pk).refusal_count == 3  # the default again
    page = client.get(url).content.decode()
    assert "Default: 3 times" in page and 'value="5"' in page


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"refusal_count": "many"}, "refusal_count"),
        ({"refusal_days": "90"}, "refusal_days"),
        ({"prn_days": "6", "prn_days_of": "5"}, "prn_days"),
    ],
)
def test_a_bad_setting_is_refused_with_its_field_and_changes_nothing(world, body, field):
    client = Client()
    client.force_login(world.maria)
    response = client.post(reverse("alerts:thresholds", args=[world.home.pk]), body)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.content.decode()
    assert not AlertThresholds.objects.exists() and not AuditEvent.objects.exists()


def test_the_dashboard_links_the_manager_to_the_thresholds(world):
    client = Client()
    client.force_login(world.maria)
    assert (
        reverse("alerts:thresholds", args=[world.home.pk]) in client.get(reverse("alerts:dashboard")).content.decode()
    )
    client.force_login(world.tia)
    assert "alert-thresholds" not in client.get(reverse("alerts:dashboard")).content.decode()


def test_a_prescriptions_thresholds_are_set_only_by_a_registered_manager_of_its_location(world):
    import datetime as dt

    import time_machine

    from carebook.alerts.thresholds import prescription_thresholds_set
    from carebook.core.errors import NotFound, PermissionDenied
    from carebook.testing.factories import MedicineFactory, UserFactory, prescribe

    with time_machine.travel(dt.datetime(2026, 6, 9, 19, 0, tzinfo=dt.UTC), tick=False):
        rx = prescribe(world.ada, MedicineFactory(), by=world.sam, checker=world.tia)
    with pytest.raises(PermissionDenied):
        prescription_thresholds_set(prescription=rx, by=world.tia, values={"refusal_count": 2})
    elsewhere = UserFactory(role=Role.REGISTERED_MANAGER, at=world.elsewhere)
    with pytest.raises(NotFound):
        prescription_thresholds_set(prescription=rx, by=elsewhere, values={"refusal_count": 2})
    assert not AuditEvent.objects.filter(action="alert.thresholds_changed").exists()
    prescription_thresholds_set(prescription=rx, by=world.maria, values={"refusal_count": 2})
    assert thresholds_for(world.home.pk, rx.pk).refusal_count == 2 and thresholds_for(world.home.pk).refusal_count == 3


@pytest.mark.parametrize("role", ROLES)
def test_only_the_registered_manager_opens_a_prescriptions_thresholds(world, role):
    import datetime as dt

    import time_machine

    from carebook.alerts.models import PrescriptionAlertThresholds
    from carebook.testing.factories import MedicineFactory, prescribe

    with time_machine.travel(dt.datetime(2026, 6, 9, 19, 0, tzinfo=dt.UTC), tick=False):
        own = prescribe(world.ada, MedicineFactory(name="Ramipril"), by=world.sam, checker=world.tia)
        other = prescribe(world.stranger, MedicineFactory(), by=world.sam, checker=world.tia)
    client = Client()
    client.force_login(_member(world, role))
    for where, rx in (("other", other), ("own", own)):
        url = reverse("alerts:prescription_thresholds", args=[rx.pk])
        expected = 403 if role not in MANAGING else (404 if where == "other" else 200)
        assert client.get(url).status_code == expected, (role, where)
        before = AuditEvent.objects.count()
        status = client.post(url, {"refusal_count": "2", "refusal_days": ""}).status_code
        assert status == (302 if expected == 200 else expected), (role, where)
        if status != 302:
            assert AuditEvent.objects.count() == before
    if role in MANAGING:
        assert PrescriptionAlertThresholds.objects.get().refusal_count == 2
        page = client.get(reverse("alerts:prescription_thresholds", args=[own.pk])).content.decode()
        assert "Ramipril" in page and "Default: 7 days" in page  # the location's setting for what it leaves blank
