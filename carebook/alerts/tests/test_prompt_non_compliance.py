"""Repeated safety checks skipped or failed by one member of staff (ADR 0030): an alert about them, not a person, at
its threshold's edge, once, for their supervisors only, followed up and resolved with that follow-up.

Ada's digoxin asks for her pulse before each 08:00 BST (07:00 UTC) dose; Carla skips it.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from carebook.alerts import rules
from carebook.alerts.lifecycle import alert_acknowledge, alert_action_record, alert_resolve
from carebook.alerts.models import Alert
from carebook.alerts.notify import notify_alerts
from carebook.alerts.selectors import alerts_in_scope
from carebook.alerts.services import alerts_scan
from carebook.alerts.thresholds import location_thresholds_set
from carebook.alerts.vocab import ActionKind, AlertKind, AlertStatus
from carebook.core.errors import PermissionDenied, ValidationFailed
from carebook.medication import rules as medication_rules
from carebook.medication.models import DueDose
from carebook.medication.services.administrations import administration_record
from carebook.medication.services.doses import due_doses_extend_horizon
from carebook.notifications.models import Notification
from carebook.testing.factories import MedicineFactory, prescribe

DUE = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)  # 08:00 BST
DAY = dt.timedelta(days=1)
MINUTE = dt.timedelta(minutes=1)
KIND = AlertKind.PROMPT_NON_COMPLIANCE


@pytest.fixture
def digoxin(world):
    with time_machine.travel(DUE - dt.timedelta(hours=12), tick=False):
        return prescribe(
            world.ada, MedicineFactory(name="Digoxin", required_check="pulse"), by=world.sam, checker=world.tia
        )


def skipped_pulse() -> list[medication_rules.Answer]:
    return [medication_rules.Answer(p, "confirmed") for p in medication_rules.prompts_for("") if p != "pulse"] + [
        medication_rules.Answer("pulse", "skipped", note="No time on the round")
    ]


def skip_on(world, rx, day: int, *, events=None, by=None):
    at = DUE + day * DAY + 5 * MINUTE
    with time_machine.travel(at - dt.timedelta(hours=12), tick=False):
        due_doses_extend_horizon()
    dose = DueDose.objects.get(prescription=rx, local_date=(DUE + day * DAY).date())
    with time_machine.travel(at, tick=False):

        def call():
            return administration_record(
                by=by or world.carla, due_dose=dose, outcome="given", prompts=skipped_pulse()
            ).administration

        if events is None:
            return call()
        with events(execute=True):
            return call()


def alerts():
    return Alert.objects.filter(kind=KIND)


def test_the_third_skipped_check_in_seven_days_raises_one_alert_about_the_member_of_staff(
    world, digoxin, django_capture_on_commit_callbacks
):
    cb = django_capture_on_commit_callbacks
    first = skip_on(world, digoxin, 0, events=cb)
    second = skip_on(world, digoxin, 3, events=cb)
    assert not alerts().exists()  # just under: two
    third = skip_on(world, digoxin, 6, events=cb)
    alert = alerts().get()  # raised at once, by the event
    assert (alert.staff, alert.person, alert.location) == (world.carla, None, world.home)
    assert alert.raised_at == DUE + 6 * DAY + 5 * MINUTE
    assert set(alert.records.values_list("administration_id", flat=True)) == {first.pk, second.pk, third.pk}
    assert "3 safety checks skipped or failed in 7 days" in alert.summary and "Ada" not in alert.summary
    fourth = skip_on(world, digoxin, 7, events=cb)  # in the alert's window: joins it
    with time_machine.travel(DUE + 7 * DAY + 10 * MINUTE, tick=False):
        alerts_scan()
        alerts_scan()
    assert alerts().count() == 1
    assert fourth.pk in set(alert.records.values_list("administration_id", flat=True))


def test_three_just_outside_seven_days_raise_nothing_and_the_scan_raises_what_an_event_missed(world, digoxin):
    skip_on(world, digoxin, 0)
    skip_on(world, digoxin, 3)
    skip_on(world, digoxin, 7)  # day 0 was exactly 7 days before: outside the window
    with time_machine.travel(DUE + 7 * DAY + 6 * MINUTE, tick=False):
        alerts_scan()
    assert not alerts().exists()
    skip_on(world, digoxin, 8)  # no events run: the scan finds it
    with time_machine.travel(DUE + 8 * DAY + 6 * MINUTE, tick=False):
        alerts_scan()
    assert alerts().get().staff == world.carla


def test_the_minutes_scan_weighs_a_member_of_staff_with_a_check_written_since_and_no_one_else(world, digoxin):
    """The minute's scan weighs the staff with a skipped or failed check in a record written since its last run:
    Carla's third skip, written before the last run, is the event's (or the scan by hand's); written after, the
    minute's scan raises it."""
    for day in (0, 3, 6):
        skip_on(world, digoxin, day)  # no events delivered
    third_written = DUE + 6 * DAY + 5 * MINUTE
    with time_machine.travel(third_written + 20 * MINUTE, tick=False):
        alerts_scan(written_after=third_written + MINUTE)
    assert not alerts().exists()
    with time_machine.travel(third_written + 21 * MINUTE, tick=False):
        alerts_scan(written_after=third_written - MINUTE)
    assert alerts().get().staff == world.carla


def test_a_location_sets_its_own_threshold(world, digoxin, django_capture_on_commit_callbacks):
    with time_machine.travel(DUE - DAY, tick=False):
        location_thresholds_set(location=world.home, by=world.maria, values={"prompt_skip_count": 2})
    skip_on(world, digoxin, 0, events=django_capture_on_commit_callbacks)
    assert not alerts().exists()
    skip_on(world, digoxin, 1, events=django_capture_on_commit_callbacks)
    assert alerts().count() == 1
    with pytest.raises(ValidationFailed):
        rules.check_thresholds({"prompt_skip_count": 1})


def raised(world, digoxin) -> Alert:
    for day in (0, 1, 2):
        skip_on(world, digoxin, day)
    with time_machine.travel(DUE + 2 * DAY + 6 * MINUTE, tick=False):
        alerts_scan()
    return alerts().get()


def test_only_supervisors_see_it_and_only_team_leaders_are_told(client, world, digoxin):
    alert = raised(world, digoxin)
    with time_machine.travel(DUE + 2 * DAY + 7 * MINUTE, tick=False):
        notify_alerts()
        for persona, status in (("carla", 404), ("sam", 404), ("tia", 200), ("colin", 200), ("maria", 200)):
            client.force_login(getattr(world, persona))
            response = client.get(reverse("alerts:alert", args=[alert.pk]))
            assert response.status_code == status, persona
            seen = alerts_in_scope(getattr(world, persona)).filter(pk=alert.pk).exists()
            assert seen == (status == 200), persona
    client.force_login(world.tia)
    assert "Carla Carer" in client.get(reverse("alerts:alert", args=[alert.pk])).content.decode()
    told = set(Notification.objects.filter(key__startswith=f"alert:{alert.pk}:").values_list("recipient", flat=True))
    assert told == {world.tia.pk}


def test_the_supervisor_follows_up_and_resolves_with_that_follow_up(world, digoxin):
    alert = raised(world, digoxin)
    with time_machine.travel(DUE + 2 * DAY + 30 * MINUTE, tick=False):
        alert = alert_acknowledge(alert=alert, by=world.tia)
        with pytest.raises(ValidationFailed):
            alert_resolve(alert=alert, by=world.tia)  # no follow-up yet
        with pytest.raises(ValidationFailed) as no_note:
            alert_action_record(alert=alert, by=world.tia, step=rules.ActionInput(kind=ActionKind.SUPERVISION_HELD))
        assert no_note.value.field == "note"
        with pytest.raises(ValidationFailed):  # a dose's step is not this alert's
            alert_action_record(
                alert=alert,
                by=world.tia,
                step=rules.ActionInput(kind=ActionKind.CONTACTED_CARE_WORKER, answer="not_given"),
            )
        with pytest.raises(PermissionDenied):  # a care worker does not follow up a colleague
            alert_action_record(
                alert=alert, by=world.carla, step=rules.ActionInput(kind=ActionKind.RETRAINING_ARRANGED, note="x")
            )
        alert_action_record(
            alert=alert,
            by=world.tia,
            step=rules.ActionInput(kind=ActionKind.SUPERVISION_HELD, note="Talked through why the pulse matters"),
        )
        alert_action_record(
            alert=alert,
            by=world.tia,
            step=rules.ActionInput(kind=ActionKind.RETRAINING_ARRANGED, note="Digoxin refresher on Friday"),
        )
        done = alert_resolve(alert=alert, by=world.tia)
    assert done.status == AlertStatus.RESOLVED and done.outcome == ActionKind.RETRAINING_ARRANGED


def test_a_follow_up_is_refused_on_an_alert_about_a_person_and_a_dose_outcome_still_resolves_it():
    with pytest.raises(ValidationFailed):
        rules.check_follow_up_allowed(ActionKind.SUPERVISION_HELD, alert_kind=AlertKind.MISSED_DOSE)
    rules.check_follow_up_allowed(ActionKind.NOTE, alert_kind=KIND)
    assert (
        rules.check_resolve(status="acknowledged", outcomes=[], follow_ups=["supervision_held"]) == "supervision_held"
    )
    assert rules.check_resolve(status="acknowledged", outcomes=["give_now"]) == "give_now"


def test_the_page_offers_the_follow_ups_and_resolves_with_one(client, world, digoxin):
    alert = raised(world, digoxin)
    client.force_login(world.tia)
    with time_machine.travel(DUE + 2 * DAY + 30 * MINUTE, tick=False):
        client.post(reverse("alerts:acknowledge", args=[alert.pk]))
        html = client.get(reverse("alerts:alert", args=[alert.pk])).content.decode()
        assert 'value="supervision_held"' in html and 'value="contacted_care_worker"' not in html
        response = client.post(
            reverse("alerts:step", args=[alert.pk]), {"kind": "procedure_clarified", "note": "Skipping needs a reason"}
        )
        assert response.status_code in (200, 302), response.content.decode()[:500]
        response = client.post(reverse("alerts:resolve", args=[alert.pk]), {})
        assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED and alert.outcome == ActionKind.PROCEDURE_CLARIFIED
    html = client.get(reverse("alerts:alert", args=[alert.pk])).content.decode()
    assert "Procedure clarified" in html


def test_a_dose_alert_does_not_offer_the_follow_ups(client, world, digoxin):
    from carebook.alerts.forms import StepForm

    kinds = {v for v, _ in StepForm(prescriptions=[], may_decide=True).fields["kind"].choices}
    assert "supervision_held" not in kinds and "contacted_care_worker" in kinds
