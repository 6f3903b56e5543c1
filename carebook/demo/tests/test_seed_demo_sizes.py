"""The demo seeded into an empty database: the curated medicines, the full `manage.py seed_demo`, and the months
written in bulk before the replayed days. (The small seed's tests share one seed: test_seed_demo.py.)"""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.db.models import Count

from carebook.access.models import Role, User
from carebook.audit_log.models import AuditEvent
from carebook.core import clock
from carebook.demo.medicines import MEDICINES
from carebook.demo.seed import SeedSize, seed_demo
from carebook.medication.models import (
    Administration,
    DueDose,
    Medicine,
    Prescription,
)
from carebook.organisations.models import Location
from carebook.people.models import Person

# A Monday morning just after the clocks went back (25 October 2026): the replayed days cross the change.
MONDAY = dt.datetime(2026, 10, 26, 9, 30, tzinfo=dt.UTC)


def test_curated_medicines_are_flagged(db):
    from carebook.demo.medicines import ensure_medicines

    medicines = ensure_medicines()
    assert len(medicines) == len(MEDICINES) >= 80
    assert medicines["fentanyl_12"].controlled_drug_schedule == 2 and medicines["fentanyl_12"].form == "patch"
    assert medicines["lorazepam_1"].controlled_drug_schedule == 4
    assert medicines["codeine_30"].controlled_drug_schedule == 5
    assert medicines["midazolam_buccal_10"].controlled_drug_schedule == 3
    assert medicines["cocareldopa_25_100"].time_critical
    assert medicines["insulin_glargine"].high_risk and medicines["insulin_glargine"].required_check == "blood_glucose"
    assert medicines["digoxin_125"].required_check == "pulse"
    assert medicines["warfarin_1"].high_risk and medicines["methotrexate_25"].high_risk
    ensure_medicines()
    assert Medicine.objects.count() == len(MEDICINES)  # idempotent


@pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="The full seed (10-15 s) runs once, on SQLite as `make run` does; the small seed covers PostgreSQL.",
)
def test_full_demo_command(db):
    """The real `manage.py seed_demo` at full size: 55 people, about 300 prescriptions, a week of rounds."""
    out = io.StringIO()
    with time_machine.travel(MONDAY, tick=True):
        call_command("seed_demo", stdout=out)
    assert "Seeded Oakfield Care Group" in out.getvalue()
    assert Person.objects.count() == 55
    assert 270 <= Prescription.objects.count() <= 330
    assert Person.objects.filter(location__kind="home_care").count() == 15
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert SeedSize().residents_per_unit == 20


MONTHS = SeedSize(residents_per_unit=2, home_care_people=2, history_days=2, bulk_days=63)


def test_the_months_before_the_replay_show_a_trend_that_improves_after_a_corrective_action(db):
    """The months are written in bulk by the benchmark's writer: every due dose recorded, more late entries and doses
    out of stock before the incident's actions were completed than after; the incident made through the services,
    its two actions completed, signed off; the replayed days follow on from the months (no gap, no double)."""
    from carebook.actions.models import CorrectiveAction
    from carebook.demo.months import Months
    from carebook.incidents.models import Incident

    with time_machine.travel(MONDAY, tick=False):
        assert seed_demo(MONTHS) is not None
    today = clock.to_local(MONDAY).date()
    months = Months(go_live=today - dt.timedelta(days=65), end=today - dt.timedelta(days=2))
    end = clock.local_wall_time(months.end, dt.time(0, 0))
    assert not DueDose.objects.filter(
        scheduled_at__lt=end - dt.timedelta(hours=2), state=DueDose.State.PENDING
    ).exists()
    doses = Administration.objects.effective().filter(due_dose__isnull=False)
    improved = clock.local_wall_time(months.improved_from, dt.time(0, 0))
    before, after = doses.filter(administered_at__lt=improved), doses.filter(administered_at__gte=improved)

    def late_share(rows):
        return rows.filter(late_entry=True).count() / rows.count()

    assert before.count() > 1000 and after.count() > 200
    assert late_share(before) > 3 * late_share(after) and late_share(before) > 0.03
    assert before.filter(outcome="not_available").count() > after.filter(outcome="not_available").count()
    incident = Incident.objects.get(kind="recording_error", signed_off_at__isnull=False, person__isnull=True)
    assert clock.to_local(incident.reported_at).date() == months.action_day
    actions = list(CorrectiveAction.objects.filter(source_kind="incident", source_id=incident.pk))
    assert len(actions) == 2 and all(a.completed_at and a.completed_at < improved for a in actions)
    # One effective record per due dose across the join of the months and the replay.
    assert not doses.values("due_dose_id").annotate(n=Count("id")).filter(n__gt=1).exists()


def _the_audits_show_every_state(today: dt.date) -> None:
    """The governance audits of the demo (carebook/demo/audit_stories.py), made through the services."""
    from carebook.actions.models import CorrectiveAction
    from carebook.actions.rules import is_overdue
    from carebook.audits.models import Audit
    from carebook.audits.selectors import slot_rows
    from carebook.audits.vocab import SlotState

    home = Location.objects.get(kind="care_home")
    rows = slot_rows([home], today=today, first=today - dt.timedelta(days=20), last=today)
    daily = {r.slot.start: r.state for r in rows if r.template.key == "daily"}
    assert daily[today] == SlotState.DUE
    assert daily[today - dt.timedelta(days=1)] == SlotState.IN_PROGRESS
    assert daily[today - dt.timedelta(days=3)] == SlotState.OVERDUE
    assert daily[today - dt.timedelta(days=5)] == SlotState.DONE_LATE
    assert daily[today - dt.timedelta(days=2)] == SlotState.DONE_ON_TIME
    assert {r.state for r in rows if r.template.key == "weekly"} >= {SlotState.DONE_ON_TIME}
    actions = list(CorrectiveAction.objects.filter(source_kind="audit"))
    assert any(a.completed_at for a in actions)
    assert any(is_overdue(due_on=a.due_on, completed=a.is_completed, today=today) for a in actions)
    assert any(not a.completed_at and a.due_on > today for a in actions)  # the weekly audit's review
    assert Audit.objects.filter(template__key="monthly_prompts", status="signed").exists()
    assert AuditEvent.objects.filter(action="audits.signed").exists()


def test_the_demo_has_governance_audits_in_every_state(db):
    with time_machine.travel(MONDAY, tick=False):
        assert seed_demo(MONTHS) is not None
        _the_audits_show_every_state(clock.to_local(MONDAY).date())
