"""The audits pages as a team leader meets them: her home page says what is due, the audit page shows the evidence
beside each question, a bad answer is a form error that writes nothing, and a signed audit offers an addendum and
no answers."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client

from carebook.audit_log.models import AuditEvent
from carebook.audits import services
from carebook.audits.models import AuditAnswer, AuditQuestion
from carebook.audits.tests.conftest import NOW, TODAY


@pytest.fixture(autouse=True)
def at_now():
    with time_machine.travel(NOW, tick=False):
        yield


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_team_leaders_home_page_lists_the_audits_due_and_overdue(world, templates):
    page = signed_in(world.tia).get("/").content.decode()
    assert 'data-testid="home-audits"' in page
    assert "Overdue" in page and "Daily medicines audit" in page
    assert 'data-testid="home-audits"' not in signed_in(world.carla).get("/").content.decode()


def test_starting_from_the_location_page_opens_the_audit_with_its_evidence(world, templates):
    tia = signed_in(world.tia)
    location = tia.get(f"/audits/locations/{world.home.pk}/").content.decode()
    assert "Daily medicines audit" in location and "Start" in location
    response = tia.post(f"/audits/locations/{world.home.pk}/start/", {"template": str(templates["daily"].pk)})
    assert response.status_code == 302
    page = tia.get(response["Location"]).content.decode()
    audit = world.home.audits.get()
    for question in AuditQuestion.objects.filter(version_id=audit.version_id):
        assert f'name="answer-{question.pk}"' in page
    assert "/reports/" in page  # the evidence links to the records behind its figure


def test_a_number_typed_as_words_is_a_form_error_and_nothing_is_written(world, templates):
    audit = services.audit_start(by=world.tia, location_id=world.home.pk, template=templates["daily"], day=TODAY)
    number = next(q for q in AuditQuestion.objects.filter(version_id=audit.version_id) if q.answer_type == "number")
    first = AuditQuestion.objects.get(version_id=audit.version_id, position=1)
    events = AuditEvent.objects.count()
    response = signed_in(world.tia).post(
        f"/audits/{audit.pk}/answers/", {f"answer-{first.pk}": "yes", f"answer-{number.pk}": "several"}
    )
    assert response.status_code == 422
    assert f"Question {number.position}" in response.content.decode()
    assert AuditAnswer.objects.count() == 0 and AuditEvent.objects.count() == events


def test_a_signed_audit_offers_an_addendum_and_no_answers(world, templates):
    audit = services.audit_start(by=world.tia, location_id=world.home.pk, template=templates["daily"], day=TODAY)
    given = {"yes_no": "yes", "number": "0", "text": "None"}
    questions = AuditQuestion.objects.filter(version_id=audit.version_id)
    services.audit_answers_record(
        audit=audit, by=world.tia, answers=[services.AnswerInput(q.pk, given[q.answer_type]) for q in questions]
    )
    services.audit_sign(audit=audit, by=world.tia)
    page = signed_in(world.tia).get(f"/audits/{audit.pk}/").content.decode()
    assert 'name="addendum-text"' in page
    assert 'name="answer-' not in page
    assert "Tia Leader" in page
