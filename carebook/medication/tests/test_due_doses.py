"""Due doses: generated ahead for a rolling horizon, idempotent, withdrawn when a prescription stops."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from carebook.audit_log.models import AuditEvent
from carebook.medication.jobs import extend_due_dose_horizon
from carebook.medication.models import DueDose
from carebook.medication.services.prescriptions import prescription_discontinue
from carebook.testing.factories import MedicineFactory, prescribe

NOW = dt.datetime(2026, 3, 27, 10, 0, tzinfo=dt.UTC)  # two days before the spring clock change


@pytest.fixture
def twice_daily(world):
    with time_machine.travel(NOW, tick=False):
        return prescribe(world.ada, MedicineFactory(), by=world.sam, checker=world.tia, times=["08:00", "20:00"])


def test_at_least_48_hours_ahead_are_generated_at_once(twice_daily):
    doses = DueDose.objects.filter(prescription=twice_daily)
    assert doses.count() >= 4
    assert max(d.scheduled_at for d in doses) >= NOW + dt.timedelta(hours=48)
    assert min(d.scheduled_at for d in doses) >= NOW  # nothing before it was entered


def test_the_horizon_job_is_idempotent_and_keeps_wall_times_across_the_clock_change(twice_daily):
    with time_machine.travel(NOW + dt.timedelta(days=2), tick=False):
        extend_due_dose_horizon()
        count = DueDose.objects.filter(prescription=twice_daily).count()
        extend_due_dose_horizon()
        assert DueDose.objects.filter(prescription=twice_daily).count() == count
    local = {
        (d.local_date, d.scheduled_at.astimezone(dt.timezone(dt.timedelta(0))).hour)
        for d in DueDose.objects.filter(prescription=twice_daily, local_time=dt.time(8, 0))
    }
    assert (dt.date(2026, 3, 28), 8) in local  # GMT
    assert (dt.date(2026, 3, 30), 7) in local  # BST: still 08:00 on the wall


def test_discontinuing_withdraws_future_unrecorded_doses_only(world, twice_daily):
    later = NOW + dt.timedelta(hours=12)
    with time_machine.travel(later, tick=False):
        prescription_discontinue(prescription=twice_daily, by=world.sam, reason="Stopped by GP")
    doses = DueDose.objects.filter(prescription=twice_daily)
    assert all(d.state == "withdrawn" for d in doses if d.scheduled_at >= later)
    assert all(d.state == "pending" for d in doses if d.scheduled_at < later)
    assert AuditEvent.objects.filter(action="due_doses.withdrawn").exists()
    with time_machine.travel(later + dt.timedelta(days=1), tick=False):
        extend_due_dose_horizon()  # a stopped prescription gets no new doses
    assert (
        not DueDose.objects.filter(prescription=twice_daily, scheduled_at__gte=later)
        .exclude(state="withdrawn")
        .exists()
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"start_date": dt.date(9999, 12, 1), "course_days": 60}, "start_date"),
        ({"end_date": dt.date(9999, 12, 31)}, "end_date"),
        ({"course_days": "three"}, "course_days"),
        ({"schedule_kind": "every_n_days", "interval_days": "x"}, "interval_days"),
        ({"dose_min": "NaN"}, "dose_min"),
        ({"dose_min": "1e9"}, "dose_min"),
        ({"times": ["8am"]}, "times"),
    ],
)
def test_out_of_range_prescription_input_is_a_field_error_not_a_crash(world, overrides, field):
    from carebook.core.errors import ValidationFailed
    from carebook.medication.models import Prescription

    with time_machine.travel(NOW, tick=False), pytest.raises(ValidationFailed) as err:
        prescribe(world.ada, MedicineFactory(), by=world.sam, **overrides)
    assert err.value.field == field
    assert not Prescription.objects.exists()
