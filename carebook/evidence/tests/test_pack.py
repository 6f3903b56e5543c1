"""The evidence pack, made for Oakfield House's first nine days of June by Maria (registered manager): a dose given
on time, one missed (an alert, then an incident with a corrective action), a daily audit done with a finding. The
pack holds them all; every figure in it is the dashboard's, the CSV in its ZIP is the dashboard's CSV; who asked
and who downloaded are audited; only the manager of the location may ask, and a bad request says why."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
import time_machine
from django.test import Client

from carebook.alerts.models import Alert
from carebook.alerts.services import alerts_scan
from carebook.audit_log.models import AuditEvent
from carebook.audits import services as audits
from carebook.audits.models import AuditQuestion, AuditTemplate
from carebook.core.errors import NotFound, PermissionDenied, ValidationFailed
from carebook.evidence import services
from carebook.evidence.collect import collect
from carebook.evidence.models import EvidencePack
from carebook.evidence.render import figure_items, pack_html
from carebook.incidents import services as incidents
from carebook.medication import rules
from carebook.medication.api.testing import api_as
from carebook.medication.models import DueDose
from carebook.medication.services.administrations import administration_record
from carebook.reports.rules import Period
from carebook.testing.factories import MedicineFactory, prescribe

NOW = dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC)
FIRST, LAST = dt.date(2026, 6, 1), dt.date(2026, 6, 9)


@pytest.fixture
def june(world):
    """Ramipril at 08:00 for Ada from 1 June; 2 June's dose given, 3 June's missed and reported; the daily audit of
    3 June done with a finding."""
    with time_machine.travel(dt.datetime(2026, 5, 31, 12, 0, tzinfo=dt.UTC), tick=False):
        rx = prescribe(world.ada, MedicineFactory(name="Ramipril"), by=world.sam, checker=world.tia)
        audits.templates_install_shipped(provider_id=world.provider.pk, starts_on=FIRST)
    with time_machine.travel(dt.datetime(2026, 6, 2, 7, 5, tzinfo=dt.UTC), tick=False):
        dose = DueDose.objects.get(prescription=rx, local_date=dt.date(2026, 6, 2))
        administration_record(
            by=world.carla,
            due_dose=dose,
            outcome="given",
            prompts=[rules.Answer(p, "confirmed") for p in rules.prompts_for("")],
        )
    with time_machine.travel(dt.datetime(2026, 6, 3, 9, 0, tzinfo=dt.UTC), tick=False):
        alerts_scan()
        alert = Alert.objects.get(due_dose__local_date=dt.date(2026, 6, 3))
        incident = incidents.incident_report(
            by=world.maria,
            data=incidents.IncidentInput(
                kind="omission",
                what_happened="The 08:00 ramipril was not given",
                occurred_at=alert.due_at,
                discovered_at=alert.raised_at,
                harm="none",
                alert_id=alert.pk,
            ),
        )
        incidents.incident_action_add(
            incident=incident,
            by=world.maria,
            kind="supervision",
            what="Observe Carla's morning round",
            owner_id=world.tia.pk,
            due_on=dt.date(2026, 6, 5),
        )
    with time_machine.travel(dt.datetime(2026, 6, 3, 20, 0, tzinfo=dt.UTC), tick=False):
        daily = AuditTemplate.objects.get(key="daily")
        audit = audits.audit_start(by=world.tia, location_id=world.home.pk, template=daily, day=dt.date(2026, 6, 3))
        questions = AuditQuestion.objects.filter(version_id=audit.version_id)
        given = {"yes_no": "yes", "number": "0", "text": "None"}
        audits.audit_answers_record(
            audit=audit,
            by=world.tia,
            answers=[audits.AnswerInput(q.pk, "no" if q.position == 1 else given[q.answer_type]) for q in questions],
        )
        audits.audit_finding_add(
            audit=audit,
            by=world.tia,
            text="The 08:00 ramipril of 3 June has no record",
            question_id=next(q.pk for q in questions if q.position == 1),
            action=audits.ActionInput(
                kind="training",
                what="Refresher on recording at the time",
                owner_id=world.carla.pk,
                due_on=dt.date(2026, 6, 12),
            ),
        )
        audits.audit_sign(audit=audit, by=world.tia)
    return {"rx": rx, "incident": incident, "audit": audit}


def build(world, people=()):
    with time_machine.travel(NOW, tick=False):
        pack = services.evidence_pack_request(
            by=world.maria, location_id=world.home.pk, first=FIRST, last=LAST, person_ids=[p.pk for p in people]
        )
        assert services.evidence_pack_build(pack.pk) == "ready"
    return EvidencePack.objects.get(pk=pack.pk)


def test_the_pack_holds_the_figures_incidents_audits_alerts_and_mar_and_agrees_with_the_dashboard(world, june):
    pack = build(world, people=[world.ada])
    assert (pack.status, pack.progress, pack.step) == ("ready", 100, "Ready")
    assert bytes(pack.pdf).startswith(b"%PDF") and len(pack.pdf_sha256) == 64
    # Every figure it printed is the dashboard's (the API's shape, computed at the same moment).
    with time_machine.travel(NOW, tick=False):
        kpis = api_as(world.maria).get(
            "/reports/kpis", {"location": world.home.pk, "from": "2026-06-01", "to": "2026-06-09"}
        )
        client = Client()
        client.force_login(world.maria)
        dashboard_csv = client.get(f"/reports/locations/{world.home.pk}/figures.csv?from=2026-06-01&to=2026-06-09")
    assert json.loads(json.dumps(pack.figures)) == kpis.json()
    archive = zipfile.ZipFile(io.BytesIO(bytes(pack.zip)))
    names = set(archive.namelist())
    assert {
        "figures.csv",
        "incidents.csv",
        "corrective_actions.csv",
        "audits.csv",
        "alerts.csv",
        "figures.json",
        "evidence-pack.pdf",
    } <= names
    assert [n for n in names if n.startswith("mar/")] == [f"mar/MAR-Lovelace-2026-06-{str(world.ada.pk)[:8]}.json"]
    assert archive.read("figures.csv") == dashboard_csv.content
    assert archive.read("evidence-pack.pdf") == bytes(pack.pdf)
    assert "The 08:00 ramipril was not given" in archive.read("incidents.csv").decode()
    assert "Observe Carla's morning round" in archive.read("corrective_actions.csv").decode()
    assert "done_on_time" in archive.read("audits.csv").decode()
    assert "missed_dose" in archive.read("alerts.csv").decode() or "overdue_dose" in archive.read("alerts.csv").decode()
    # Who asked, and the build, are audited.
    assert AuditEvent.objects.filter(
        action="evidence.pack_requested", entity_id=str(pack.pk), actor=world.maria
    ).exists()
    built = AuditEvent.objects.get(action="evidence.pack_built", entity_id=str(pack.pk))
    assert pack.pdf_sha256 in json.dumps(built.after)


def test_the_pages_of_the_pack_print_each_figure_as_the_dashboard_shows_it(world, june):
    with time_machine.travel(NOW, tick=False):
        content = collect(world.home, Period(FIRST, LAST + dt.timedelta(days=1)), [world.ada], as_of=NOW)
        html = pack_html(content, requested_by="Maria Manager", pack_id="test")
        client = Client()
        client.force_login(world.maria)
        page = client.get(f"/reports/locations/{world.home.pk}/?from=2026-06-01&to=2026-06-09").content.decode()
    for item in figure_items(content):
        assert f'data-figure="{item["key"]}"' in html
        assert item["chosen"] in html and item["chosen"] in page, item["key"]
    assert "The 08:00 ramipril was not given" in html
    assert "Refresher on recording at the time" in html
    assert "Ada Lovelace, June 2026" in html


def test_only_the_registered_manager_of_the_location_asks_and_a_bad_request_says_why(world, june):
    with time_machine.travel(NOW, tick=False):
        for user in (world.tia, world.carla, world.pat):
            with pytest.raises(PermissionDenied):
                services.evidence_pack_request(by=user, location_id=world.home.pk, first=FIRST, last=LAST)
        with pytest.raises(NotFound):
            services.evidence_pack_request(by=world.maria, location_id=world.elsewhere.pk, first=FIRST, last=LAST)
        with pytest.raises(ValidationFailed) as long:
            services.evidence_pack_request(
                by=world.maria, location_id=world.home.pk, first=dt.date(2025, 1, 1), last=LAST
            )
        assert long.value.field == "from"
        with pytest.raises(ValidationFailed) as backwards:
            services.evidence_pack_request(by=world.maria, location_id=world.home.pk, first=LAST, last=FIRST)
        assert backwards.value.field == "to"
        with pytest.raises(ValidationFailed) as future:
            services.evidence_pack_request(
                by=world.maria, location_id=world.home.pk, first=dt.date(2026, 7, 1), last=dt.date(2026, 7, 2)
            )
        assert future.value.field == "from"
        with pytest.raises(NotFound) as stranger:
            services.evidence_pack_request(
                by=world.maria, location_id=world.home.pk, first=FIRST, last=LAST, person_ids=[world.stranger.pk]
            )
        assert stranger.value.field == "people"
    assert not EvidencePack.objects.exists()


def test_a_pack_is_built_once_and_a_stalled_build_is_taken_up_again(world, june):
    with time_machine.travel(NOW, tick=False):
        pack = services.evidence_pack_request(by=world.maria, location_id=world.home.pk, first=FIRST, last=LAST)
        EvidencePack.objects.filter(pk=pack.pk).update(status="building", heartbeat_at=NOW)
        assert services.evidence_pack_build(pack.pk) == "not claimed"  # another worker has it, alive
        assert services.evidence_packs_build_waiting() == 0
    with time_machine.travel(NOW + services.STALE + dt.timedelta(minutes=1), tick=False):
        assert services.evidence_packs_build_waiting() == 1  # it stopped: taken up again
        assert services.evidence_pack_build(pack.pk) == "not claimed"  # ready: nothing to do
    assert EvidencePack.objects.get(pk=pack.pk).status == "ready"


def test_a_build_that_fails_says_so_and_keeps_why(world, june, monkeypatch):
    from carebook.evidence import services as module

    def broken(*args, **kwargs):
        raise RuntimeError("the printer caught fire")

    monkeypatch.setattr(module, "pack_pdf", broken)
    with time_machine.travel(NOW, tick=False):
        pack = services.evidence_pack_request(by=world.maria, location_id=world.home.pk, first=FIRST, last=LAST)
        assert services.evidence_pack_build(pack.pk) == "failed"
    pack.refresh_from_db()
    assert pack.status == "failed" and "the printer caught fire" in pack.error and not pack.pdf
    assert AuditEvent.objects.filter(action="evidence.pack_failed", entity_id=str(pack.pk)).exists()
