"""The checker sends an entry back (H07): a query or a rejection with its reason, to the person who entered it.

A rejected version cannot be checked; its correction is a new version with its own check. Nothing is given before a
check either way. Refusals write nothing.
"""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
import time_machine
from django.urls import reverse

from carebook.audit_log.models import AuditEvent
from carebook.core.errors import Conflict, PermissionDenied, ValidationFailed
from carebook.medication.models import PrescriptionEvent, TranscriptionCheck
from carebook.medication.services import prescriptions as services
from carebook.medication.services.prescriptions import PrescriptionInput
from carebook.testing.factories import MedicineFactory, prescribe

MORNING = dt.datetime(2026, 6, 9, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def entry(world):
    with time_machine.travel(MORNING, tick=False):
        return prescribe(world.ada, MedicineFactory(name="Bisoprolol", strength="2.5 mg"), by=world.sam)


def written() -> tuple[int, int, int]:
    return PrescriptionEvent.objects.count(), TranscriptionCheck.objects.count(), AuditEvent.objects.count()


@time_machine.travel(MORNING + dt.timedelta(hours=1), tick=False)
def test_a_rejection_goes_back_with_its_reason_and_blocks_the_check(world, entry):
    event = services.prescription_send_back(
        prescription=entry, by=world.tia, verdict="reject", reason="The letter says 1.25 mg."
    )
    assert event.kind == PrescriptionEvent.Kind.TRANSCRIPTION_REJECTED
    assert (event.by, event.at, event.reason) == (
        world.tia,
        MORNING + dt.timedelta(hours=1),
        "The letter says 1.25 mg.",
    )
    audit = AuditEvent.objects.get(action="prescription.transcription_sent_back")
    assert audit.actor == world.tia and audit.after["verdict"] == "reject"
    before = written()
    with pytest.raises(Conflict) as err:
        services.prescription_check_transcription(prescription=entry, by=world.maria)
    assert err.value.code == "rejected" and "1.25 mg" in err.value.message
    with pytest.raises(Conflict):
        services.prescription_send_back(prescription=entry, by=world.maria, verdict="query", reason="Again?")
    assert written() == before


@time_machine.travel(MORNING + dt.timedelta(hours=1), tick=False)
def test_the_correction_is_a_new_version_checked_in_its_own_right(world, entry):
    services.prescription_send_back(prescription=entry, by=world.tia, verdict="reject", reason="Wrong strength.")
    fixed = services.prescription_change(
        prescription=entry,
        by=world.sam,
        data=PrescriptionInput(
            medicine_id=entry.medicine_id,
            dose_min="0.5",
            route="oral",
            directions=entry.directions,
            schedule_kind="fixed_times",
            times=["08:00"],
            prescriber="Dr A Khan",
            source="gp",
        ),
        reason="Corrected after Tia's rejection",
    )
    check = services.prescription_check_transcription(prescription=fixed, by=world.tia)
    assert check.prescription == fixed
    # The rejected version and its rejection stay in the history.
    kinds = list(PrescriptionEvent.objects.filter(prescription=entry).values_list("kind", flat=True))
    assert kinds == ["created", "transcription_rejected", "changed"]


@time_machine.travel(MORNING + dt.timedelta(hours=1), tick=False)
def test_a_query_leaves_the_check_possible_once_answered(world, entry):
    services.prescription_send_back(prescription=entry, by=world.tia, verdict="query", reason="5 mg or 0.5 mg?")
    check = services.prescription_check_transcription(prescription=entry, by=world.tia, note="Pharmacy: 2.5 mg")
    assert check.checked_by == world.tia
    with pytest.raises(Conflict) as err:
        services.prescription_send_back(prescription=entry, by=world.maria, verdict="reject", reason="Late")
    assert err.value.code == "already_checked"


@time_machine.travel(MORNING + dt.timedelta(hours=1), tick=False)
@pytest.mark.parametrize(
    ("persona", "verdict", "reason", "error", "field"),
    [
        ("sam", "reject", "x", PermissionDenied, None),  # the person who entered it corrects it instead
        ("carla", "reject", "x", PermissionDenied, None),  # a care worker does not check transcriptions
        ("tia", "approve", "x", ValidationFailed, "verdict"),
        ("tia", "query", "   ", ValidationFailed, "send_back_reason"),
    ],
)
def test_refused_send_backs_write_nothing(world, entry, persona, verdict, reason, error, field):
    before = written()
    with pytest.raises(error) as err:
        services.prescription_send_back(prescription=entry, by=getattr(world, persona), verdict=verdict, reason=reason)
    if field:
        assert err.value.field == field
    assert written() == before


def test_pages_the_checker_sends_it_back_and_the_enterer_sees_it_on_the_home_page(client, world, entry):
    with time_machine.travel(MORNING + dt.timedelta(hours=1), tick=False):
        client.force_login(world.tia)
        check_page = client.get(reverse("medication:prescription_check", args=[entry.pk])).content.decode()
        assert 'data-testid="send-back-form"' in check_page
        url = reverse("medication:prescription_send_back", args=[entry.pk])
        refused = client.post(url, {"verdict": "reject", "send_back_reason": ""})
        assert refused.status_code == 422
        assert "Say what does not match" in unescape(refused.content.decode())
        assert written()[0] == 1  # only the entry's own "created"
        response = client.post(url, {"verdict": "reject", "send_back_reason": "The letter says 1.25 mg."})
        assert response.status_code == 302
        page = unescape(client.get(reverse("medication:prescription", args=[entry.pk])).content.decode())
        assert "Rejected by the checker" in page and "The letter says 1.25 mg." in page
        assert 'data-testid="check-button"' not in page
        # The check page has nothing to offer a rejected version: back to the prescription, told why.
        again = client.get(reverse("medication:prescription_check", args=[entry.pk]))
        assert again.status_code == 302
        client.force_login(world.sam)
        home = unescape(client.get(reverse("home")).content.decode())
        assert f'data-testid="sent-back-{entry.pk}"' in home and "The letter says 1.25 mg." in home
        assert reverse("medication:prescription_change", args=[entry.pk]) in home
        # Another senior's home page does not list Sam's entry as sent back to them.
        client.force_login(world.maria)
        assert f'data-testid="sent-back-{entry.pk}"' not in client.get(reverse("home")).content.decode()
