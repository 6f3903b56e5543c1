"""The demo organisation: realistic enough to train on, seeded through the real services, and only once."""

from __future__ import annotations

import datetime as dt
import io

import nhs_number
import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, F

from carebook.access.models import Role, User
from carebook.audit_log.models import AuditEvent
from carebook.core import clock
from carebook.demo.medicines import MEDICINES
from carebook.demo.pictures import avatar_svg
from carebook.demo.seed import SMALL, SeedSize, seed_demo, synthetic_nhs_number
from carebook.medication.models import (
    Administration,
    DueDose,
    Medicine,
    Prescription,
    PrnFollowUp,
    PromptAnswer,
    ScheduleKind,
)
from carebook.organisations.models import Location, Provider, Unit
from carebook.people.models import AllergyStatus, Person
from carebook.people.nhs_numbers import nhs_number_is_valid

# A Monday morning just after the clocks went back (25 October 2026): the replayed days cross the change.
MONDAY = dt.datetime(2026, 10, 26, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def small_demo(db):
    with time_machine.travel(MONDAY, tick=False):
        result = seed_demo(SMALL)
    assert result is not None
    return result


def test_the_seeds_nhs_numbers_are_synthetic_and_pass_the_librarys_check():
    import random

    used: set[str] = set()
    rng = random.Random(1)
    numbers = [synthetic_nhs_number(rng, used) for _ in range(200)]
    assert len(set(numbers)) == 200
    for number in numbers:
        assert number.startswith("999") and len(number) == 10
        assert nhs_number.is_valid(number) and nhs_number_is_valid(number)
        assert number[-1] == str(nhs_number.calculate_checksum(number[:9]))


def test_pictures_are_deterministic_drawings_not_scripts():
    picture = avatar_svg("Margaret Smith")
    assert picture == avatar_svg("Margaret Smith")
    assert picture != avatar_svg("Arthur Jones")
    assert picture.startswith("<svg") and "<script" not in picture and "style=" not in picture
    assert ">MS<" in picture


def test_small_demo_has_the_organisation_people_and_staff(small_demo, settings):
    assert Provider.objects.get().name == "Oakfield Care Group"
    home = Location.objects.get(kind=Location.Kind.CARE_HOME)
    branch = Location.objects.get(kind=Location.Kind.HOME_CARE)
    assert sorted(Unit.objects.filter(location=home).values_list("name", flat=True)) == [
        "Rowan (ground floor)",
        "Willow (first floor)",
    ]
    assert Person.objects.filter(location=home).count() == 2 * SMALL.residents_per_unit
    assert Person.objects.filter(location=branch).count() == SMALL.home_care_people
    for unit in Unit.objects.filter(location=home):
        assert unit.people.count() == SMALL.residents_per_unit
    # Staff in every role, signing in with the demo password.
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    amy = User.objects.get(username="carer.amy")
    assert amy.check_password(settings.DEMO_PASSWORD) and not amy.check_password("not-the-password")
    assert set(amy.locations.all()) == {home}
    assert set(User.objects.get(username="homecare.hana").locations.all()) == {branch}

    # Every person has a valid synthetic NHS number, a picture and recorded allergies.
    people = list(Person.objects.all())
    numbers = [p.nhs_number for p in people]
    assert len(set(numbers)) == len(numbers)
    for person in people:
        assert nhs_number_is_valid(person.nhs_number), person.nhs_number
        assert nhs_number.is_valid(person.nhs_number)  # an independent check
        assert person.nhs_number.startswith("999")  # the synthetic range, never a real patient
        assert person.allergy_status != AllergyStatus.NOT_RECORDED
        if person.allergy_status == AllergyStatus.HAS_ALLERGIES:
            assert person.allergies.exists()
        assert person.picture_svg.startswith("<svg")
        assert person.medicine_preferences
        assert 65 <= person.age_on(clock.today()) <= 102
        assert person.gp_practice and person.pharmacy


def test_small_demo_prescriptions_due_doses_and_history(small_demo):
    kinds = set(Prescription.objects.values_list("schedule_kind", flat=True))
    assert kinds == set(ScheduleKind.values)
    for rx in Prescription.objects.filter(schedule_kind=ScheduleKind.PRN):
        assert rx.prn_min_interval_minutes and rx.prn_max_quantity_24h
        assert rx.indication
    assert Prescription.objects.filter(dose_max__gt=F("dose_min")).exists()  # "one or two"
    assert Prescription.objects.filter(medicine__time_critical=True).exists()
    assert Prescription.objects.filter(medicine__controlled_drug_schedule=2).exists()
    assert Prescription.objects.filter(medicine__required_check="pulse").exists()
    assert Prescription.objects.filter(medicine__required_check="blood_glucose").exists()
    # Two prescriptions wait for a second member of staff to check them.
    assert Prescription.objects.filter(transcription_check__isnull=True).count() == 2

    # Due doses are generated for at least the next 48 hours.
    with time_machine.travel(MONDAY, tick=False):
        now = clock.now()
    ahead = DueDose.objects.filter(state=DueDose.State.PENDING, scheduled_at__gte=now)
    assert ahead.filter(scheduled_at__lt=now + dt.timedelta(hours=48)).count() > 20
    assert ahead.filter(scheduled_at__gte=now + dt.timedelta(hours=47)).exists()
    # Every active fixed-time prescription has its doses for tomorrow.
    tomorrow = clock.to_local(now).date() + dt.timedelta(days=1)
    for rx in Prescription.objects.filter(schedule_kind=ScheduleKind.FIXED_TIMES, status="active", end_date=None):
        assert DueDose.objects.filter(prescription=rx, local_date=tomorrow).count() == len(rx.times), rx

    # The history went through the services.
    administrations = Administration.objects.all()
    assert administrations.count() > 50
    # Every record has its prompt answers and its audit event.
    assert not administrations.annotate(n=Count("prompt_answers")).filter(n=0).exists()
    assert AuditEvent.objects.filter(action="administration.recorded").count() == administrations.count()
    assert PromptAnswer.objects.filter(result="failed").exists()  # refusals stop at consent
    # Controlled drugs were witnessed; PRN doses were followed up; a mistake was corrected, not erased.
    for admin in administrations.filter(prescription__medicine__controlled_drug_schedule=2, outcome="given"):
        assert admin.witness_id is not None and admin.witness_id != admin.recorded_by_id
    assert PrnFollowUp.objects.exists()
    wrong = Administration.objects.get(status=Administration.Status.ENTERED_IN_ERROR)
    assert wrong.correction.reason
    assert Administration.objects.get(corrects=wrong).outcome == "refused"
    # A late entry after a fall in the lounge, and one made from an alert (the dose given but not recorded).
    assert Administration.objects.filter(late_entry=True).count() == 2
    # No record is dated in the future, and none pre-dates its prescription.
    assert not administrations.filter(recorded_at__gt=now).exists()
    for admin in administrations.select_related("prescription"):
        assert admin.recorded_at >= admin.prescription.entered_at


def test_seeding_twice_does_not_duplicate(small_demo):
    counts = (Person.objects.count(), Prescription.objects.count(), Administration.objects.count())
    assert seed_demo(SMALL) is None
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "already seeded" in out.getvalue()
    assert "carer.amy" in out.getvalue()  # the sign-ins are printed again
    assert (Person.objects.count(), Prescription.objects.count(), Administration.objects.count()) == counts
    assert Provider.objects.count() == 1


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


def test_the_demo_has_digoxin_and_insulin_with_their_limits_and_a_dose_withheld_on_a_slow_pulse(small_demo):
    from carebook.medication.vocab import ReadingDecision

    digoxin = Prescription.objects.filter(medicine__name__startswith="Digoxin").first()
    assert digoxin is not None and digoxin.reading_rule is not None
    assert digoxin.reading_rule.lines() == ["Do not give if pulse below 60 beats per minute"]
    insulin = Prescription.objects.filter(medicine__name__startswith="Insulin glargine").first()
    assert insulin is not None and insulin.reading_rule is not None
    assert insulin.reading_rule.lines() == [
        "Do not give if blood glucose below 4 mmol/L",
        "If blood glucose above 20 mmol/L, give it and tell someone",
    ]
    withheld = PromptAnswer.objects.filter(decision=ReadingDecision.WITHHOLD).select_related("administration")
    assert {a.prompt for a in withheld} == {"pulse", "blood_glucose"}
    assert all(a.administration.outcome == "not_required" and a.value is not None for a in withheld)
    told = PromptAnswer.objects.filter(decision=ReadingDecision.GIVE_AND_TELL).select_related("administration")
    assert [a.administration.outcome for a in told] == ["given"]


def test_the_demo_shows_an_alert_of_every_kind_each_with_the_records_behind_it(small_demo):
    """ADR 0026: every kind on the dashboard, made through the services; the refusals of one medicine are one
    repeated-refusal alert that carries on their refused-dose alerts."""
    from carebook.alerts.models import Alert, AlertThresholds
    from carebook.alerts.vocab import AlertKind

    assert set(Alert.objects.values_list("kind", flat=True)) == set(AlertKind.values)
    for alert in Alert.objects.exclude(kind__in=["overdue_dose", "missed_dose"]):
        assert alert.records.exists(), alert.kind
    repeated = Alert.objects.get(kind="repeated_refusal")
    # The story's three refusals (a later refusal from the ordinary history may join them: the replay's times differ
    # a little between the engines), and the three refused-dose alerts it carries on.
    assert repeated.records.count() >= 3 and repeated.supersedes.filter(kind="refused_offer_again").count() == 3
    assert len({r.administration.prescription_id for r in repeated.records.select_related("administration")}) == 1
    assert AlertThresholds.objects.get().transcription_lead_minutes == 24 * 60
    assert AuditEvent.objects.filter(action="alert.thresholds_changed").count() == 1


def test_the_demo_leaves_alerts_at_every_stage_made_through_the_services(small_demo):
    """The dashboard is alive: resolved with each kind of outcome, acknowledged with its steps, escalated."""
    from carebook.alerts.models import Alert, AlertAction

    resolved = Alert.objects.filter(status="resolved")
    assert set(resolved.values_list("outcome", flat=True)) == {
        "given_not_recorded",
        "skip_this_dose",
        "no_harm_expected",
    }
    observing = Alert.objects.get(status="acknowledged")
    assert observing.kind == "missed_dose" and observing.actions.filter(outcome="observe").exists()
    escalated = Alert.objects.get(
        status="open", escalated_to="registered_manager", superseded_by=None, kind__in=["overdue_dose", "missed_dose"]
    )
    assert escalated.kind == "missed_dose" and escalated.follows is not None
    # The overdue alerts that became missed.
    assert Alert.objects.filter(superseded_by__isnull=False, kind="overdue_dose").count() == 3
    # Each step has who and when; each change is in the audit log.
    assert AlertAction.objects.filter(by__isnull=True).count() == 0
    for alert in Alert.objects.all():
        assert AuditEvent.objects.filter(entity_id=str(alert.pk), action="alert.raised").count() == 1
    assert AuditEvent.objects.filter(action="alert.resolved").count() == 3
    # The dose given but not recorded now has its late entry; the skipped one is recorded as withheld.
    given = resolved.get(outcome="given_not_recorded")
    assert given.cleared_at is not None and given.due_dose.state == "recorded"


def test_the_demo_leaves_incidents_with_open_overdue_and_completed_actions_one_signed_off(small_demo):
    """Made through the services from the alerts' stories: one signed off, one with an overdue action, one with a
    completed and an open action (and the CQC notification the page says is required)."""
    from carebook.actions.models import CorrectiveAction
    from carebook.actions.rules import is_overdue
    from carebook.core import clock
    from carebook.incidents.models import Incident

    with time_machine.travel(MONDAY, tick=False):
        today = clock.today()
    incidents = {i.kind + ":" + i.harm: i for i in Incident.objects.all()}
    assert set(incidents) == {"recording_error:none", "omission:low", "omission:moderate"}
    assert all(i.alert_id is not None for i in incidents.values())
    signed = incidents["recording_error:none"]
    assert signed.status == "closed" and signed.signed_off_by.username == "manager.mike"
    actions = list(CorrectiveAction.objects.all())
    overdue = [a for a in actions if is_overdue(due_on=a.due_on, completed=a.completed_at is not None, today=today)]
    assert [a.source_id for a in overdue] == [incidents["omission:low"].pk]
    assert {a.completed_at is None for a in actions if a.source_id == incidents["omission:moderate"].pk} == {
        True,
        False,
    }
    assert (
        incidents["omission:moderate"].candour.exists()
        and not incidents["omission:moderate"].cqc_notifications.exists()
    )
    for incident in incidents.values():
        assert AuditEvent.objects.filter(entity_id=str(incident.pk), action="incident.reported").count() == 1


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
