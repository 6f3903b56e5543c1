"""The demo organisation: realistic enough to train on, seeded through the real services, and only once."""

from __future__ import annotations

import datetime as dt
import io

import nhs_number
import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Count, F

from carebook.access.models import Role, User
from carebook.audit_log.models import AuditEvent
from carebook.core import clock
from carebook.demo.pictures import avatar_svg
from carebook.demo.seed import SMALL, seed_demo, synthetic_nhs_number
from carebook.medication.models import (
    Administration,
    DueDose,
    Prescription,
    PrnFollowUp,
    PromptAnswer,
    ScheduleKind,
)
from carebook.organisations.models import Location, Provider, Unit
from carebook.people.models import AllergyStatus, Person
from carebook.people.nhs_numbers import nhs_number_is_valid
from carebook.testing.shared import module_transaction, shared_copy

# A Monday morning just after the clocks went back (25 October 2026): the replayed days cross the change.
MONDAY = dt.datetime(2026, 10, 26, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def _small_demo(django_db_setup, django_db_blocker):
    """The small seed, made once for the module (seconds each time); every test rolled back. The tests that seed
    an empty database themselves are in test_seed_demo_sizes.py."""
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock(), time_machine.travel(MONDAY, tick=False):
            result = seed_demo(SMALL)
        assert result is not None
        yield result


@pytest.fixture
def small_demo(db, _small_demo):
    return shared_copy(_small_demo)


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
    for alert in Alert.objects.exclude(kind__in=["overdue_dose", "missed_dose", "visit_not_closed"]):
        assert alert.records.exists(), alert.kind
    # Harry's last visit of yesterday was left open on purpose; a visit with a dose the demo
    # leaves missed cannot be closed either, so it may raise its own.
    assert Alert.objects.filter(kind="visit_not_closed", visit__assigned_to__username="homecare.harry").exists()
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


def test_the_demo_has_a_resident_on_warfarin_dosed_by_the_clinic(small_demo):
    """ADR 0037: a warfarin prescription as directed by the clinic, with yesterday's letter entered and checked, so
    today's round shows the clinic's dose and the person's page the next INR test."""
    from carebook.medication.models import DosingInstruction

    instruction = DosingInstruction.objects.select_related("prescription", "second_check").get(
        prescription__person__location__provider=small_demo.provider
    )
    assert instruction.prescription.dose_from_instructions
    assert instruction.second_check.checked_by != instruction.entered_by
    assert instruction.prescription.transcription_check.checked_by != instruction.prescription.entered_by


def test_the_demo_has_todays_runs_for_the_home_care_workers(small_demo):
    """ADR 0038: Hana's and Harry's runs of yesterday and today, planned by Chloe, each home with a key-safe note."""
    from carebook.medication.models import Visit
    from carebook.people.models import Person

    today = clock.to_local(MONDAY).date()
    visits = Visit.objects.filter(date=today)  # the day the demo was seeded
    assert visits.exists() and set(visits.values_list("planned_by__username", flat=True)) == {"coord.chloe"}
    # Yesterday's were closed by their worker as they left, but for one, and Harry's last: the office's alert.
    yesterday = Visit.objects.filter(date=today - dt.timedelta(days=1))
    assert yesterday.filter(closed_at__isnull=False).exists() and yesterday.filter(closed_at__isnull=True).exists()
    assert all(v.closed_at == v.window_end for v in yesterday if v.closed_at)
    assert not visits.filter(closed_at__isnull=False).exists()  # 09:30: this morning's visit is not over
    assert set(visits.values_list("assigned_to__username", flat=True)) <= {"homecare.hana", "homecare.harry"}
    assert not Person.objects.filter(location=small_demo.branch, key_safe_note="").exists()


def test_the_demo_home_keeps_its_mar_on_the_pharmacys_cycle(small_demo):
    small_demo.home.refresh_from_db()
    assert small_demo.home.mar_cycle_start is not None and small_demo.home.mar_cycle_days == 28
    small_demo.branch.refresh_from_db()
    assert small_demo.branch.mar_cycle_start is None  # home care: by calendar month
