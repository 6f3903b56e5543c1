"""Recording a person's allergies: seniors only, coded from the table where it can be, corrected never edited.

Sam (senior) records Ada's allergies; Carla (care worker) may read them but not record them; Otto, from elsewhere,
sees nothing. A mistaken allergy is marked entered in error: it stays visible with who, when and why.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from carebook.audit_log.models import AuditEvent
from carebook.core.append_only import AppendOnlyViolation
from carebook.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from carebook.medication.api.testing import api_as
from carebook.people.models import Allergy, AllergyCorrection, AllergyStatus, AllergyStatusRecord
from carebook.people.services import allergy_correct, allergy_record, allergy_status_none_known
from carebook.substances.reference import load_reference_data

NOON = dt.datetime(2026, 6, 10, 11, 0, tzinfo=dt.UTC)


@pytest.fixture
def table(db):
    load_reference_data()


@pytest.fixture
def unrecorded(world):
    ada = world.ada
    ada.allergy_status = AllergyStatus.NOT_RECORDED
    ada.save(update_fields=["allergy_status"])
    return ada


@time_machine.travel(NOON, tick=False)
def test_a_senior_records_a_penicillin_allergy_coded_to_the_class(world, table, unrecorded):
    allergy = allergy_record(
        person=unrecorded, by=world.sam, class_code="penicillins", severity="severe", reaction="Hives, 2019"
    )
    assert (allergy.substance, allergy.coded_class.code, allergy.kind) == ("Penicillins", "penicillins", "allergy")
    assert allergy.recorded_by == world.sam and allergy.recorded_at == NOON
    unrecorded.refresh_from_db()
    assert unrecorded.allergy_status == AllergyStatus.HAS_ALLERGIES
    statement = AllergyStatusRecord.objects.get(person=unrecorded)
    assert (statement.status, statement.by, statement.at) == (AllergyStatus.HAS_ALLERGIES, world.sam, NOON)
    event = AuditEvent.objects.get(action="allergy.recorded")
    assert event.actor == world.sam and event.after["coded_class"] == "penicillins"
    assert event.before == {"allergy_status": "not_recorded"}


def test_words_that_are_a_table_entry_are_coded_and_anything_else_stays_in_words(world, table):
    typed = allergy_record(person=world.ada, by=world.sam, name="penicillin", severity="moderate")
    assert typed.coded_class.code == "penicillins"  # a term of the class: coded, so every penicillin matches
    cefalexin = allergy_record(person=world.ada, by=world.sam, name="Cephalexin", severity="mild")
    assert cefalexin.coded_substance.code == "cefalexin"  # another spelling the table knows
    latex = allergy_record(person=world.ada, by=world.sam, name="Latex gloves", severity="mild")
    assert not latex.coded and latex.substance == "Latex gloves"


def test_the_allergen_must_be_one_thing_and_known(world, table):
    for kwargs in ({}, {"class_code": "penicillins", "name": "Penicillin"}, {"substance_code": "unobtainium"}):
        with pytest.raises(ValidationFailed) as refused:
            allergy_record(person=world.ada, by=world.sam, severity="mild", **kwargs)
        assert refused.value.field == "allergen"
    with pytest.raises(ValidationFailed):
        allergy_record(person=world.ada, by=world.sam, name="Latex", severity="extreme")
    assert not Allergy.objects.exists()


def test_the_same_allergen_cannot_be_recorded_twice(world, table):
    allergy_record(person=world.ada, by=world.sam, substance_code="amoxicillin", severity="severe")
    with pytest.raises(Conflict) as refused:
        allergy_record(person=world.ada, by=world.tia, substance_code="amoxicillin", severity="mild")
    assert refused.value.code == "allergy_already_recorded"


def test_a_care_worker_or_a_coordinator_cannot_record_allergies_and_nothing_is_written(world, table):
    for user in (world.carla, world.colin):
        with pytest.raises(PermissionDenied):
            allergy_record(person=world.ada, by=user, name="Latex", severity="mild")
        with pytest.raises(PermissionDenied):
            allergy_status_none_known(person=world.ada, by=user)
    with pytest.raises(NotFound):  # Otto's senior colleague elsewhere: out of scope is missing
        allergy_record(person=world.stranger, by=world.sam, name="Latex", severity="mild")
    assert not Allergy.objects.exists() and not AuditEvent.objects.filter(action__startswith="allergy").exists()


def test_no_known_allergies_is_stated_by_a_senior_and_refused_while_allergies_are_listed(world, table, unrecorded):
    record = allergy_status_none_known(person=unrecorded, by=world.sam, note="Asked her and her son")
    unrecorded.refresh_from_db()
    assert unrecorded.allergy_status == AllergyStatus.NO_KNOWN_ALLERGIES and record.note == "Asked her and her son"
    latex = allergy_record(person=unrecorded, by=world.sam, name="Latex", severity="mild")
    with pytest.raises(Conflict) as refused:
        allergy_status_none_known(person=unrecorded, by=world.sam)
    assert "Latex" in refused.value.message
    # Once the only allergy is corrected, "has allergies" with none listed is a warning until a senior says NKA.
    allergy_correct(allergy=latex, by=world.sam, kind="entered_in_error", reason="Recorded for the wrong person")
    unrecorded.refresh_from_db()
    assert unrecorded.allergy_status == AllergyStatus.HAS_ALLERGIES
    allergy_status_none_known(person=unrecorded, by=world.tia)
    unrecorded.refresh_from_db()
    assert unrecorded.allergy_status == AllergyStatus.NO_KNOWN_ALLERGIES


@time_machine.travel(NOON, tick=False)
def test_a_mistaken_allergy_is_marked_not_edited_and_the_original_stays(world, table):
    allergy = allergy_record(person=world.ada, by=world.sam, class_code="nsaids", severity="severe", reaction="Wheeze")
    correction = allergy_correct(
        allergy=allergy, by=world.tia, kind="refuted", reason="Allergy clinic: challenge test negative, letter 3 May"
    )
    allergy.refresh_from_db()
    assert allergy.status == "refuted" and allergy.reaction == "Wheeze" and allergy.substance.startswith("NSAIDs")
    assert (correction.by, correction.at, correction.kind) == (world.tia, NOON, "refuted")
    assert AuditEvent.objects.filter(action="allergy.refuted", actor=world.tia).exists()
    with pytest.raises(Conflict):
        allergy_correct(allergy=allergy, by=world.sam, kind="entered_in_error", reason="Again")
    with pytest.raises(ValidationFailed):
        allergy_correct(
            allergy=allergy_record(person=world.ada, by=world.sam, name="Latex", severity="mild"),
            by=world.sam,
            kind="refuted",
            reason=" ",
        )
    # Never edited, never deleted: by the ORM and by the database.
    with pytest.raises(AppendOnlyViolation):
        Allergy.objects.filter(pk=allergy.pk).update(reaction="Rash")
    with pytest.raises(AppendOnlyViolation):
        allergy.delete()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE people_allergy SET status = 'active' WHERE id = %s", [allergy.pk])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM people_allergycorrection WHERE id = %s", [correction.pk])
    assert AllergyCorrection.objects.filter(pk=correction.pk).exists()


# --- Pages ------------------------------------------------------------------------------------------------------


def test_the_allergy_pages_record_an_allergy_and_correct_it(client, world, table, unrecorded):
    client.force_login(world.sam)
    page = client.get(reverse("people:allergies", args=[unrecorded.pk])).content.decode()
    assert "Allergies not recorded" in page and 'data-testid="record-nka"' in page
    form = client.get(reverse("people:allergy_new", args=[unrecorded.pk])).content.decode()
    assert 'value="class:penicillins"' in form and 'value="substance:amoxicillin"' in form
    response = client.post(
        reverse("people:allergy_new", args=[unrecorded.pk]),
        {"allergen": "class:penicillins", "severity": "severe", "kind": "allergy", "reaction": "Swollen lips"},
    )
    assert response.status_code == 302
    page = client.get(reverse("people:allergies", args=[unrecorded.pk])).content.decode()
    assert "Penicillins" in page and "Swollen lips" in page and "Sam Senior" in page
    assert 'data-testid="record-nka"' not in page  # not offered while allergies are listed
    allergy = Allergy.objects.get(person=unrecorded)
    response = client.post(
        reverse("people:allergy_correct", args=[unrecorded.pk, allergy.pk]),
        {"kind": "entered_in_error", "reason": "Recorded for Bert, not Ada"},
    )
    assert response.status_code == 302
    page = client.get(reverse("people:allergies", args=[unrecorded.pk])).content.decode()
    assert 'data-testid="corrected-allergies"' in page and "<del>Penicillins" in page
    assert "Recorded for Bert, not Ada" in page
    assert "none are listed" in page  # the status says allergies, none are listed: a warning, not NKA


def test_the_allergy_form_says_what_is_wrong_beside_the_field(client, world, table):
    client.force_login(world.sam)
    response = client.post(
        reverse("people:allergy_new", args=[world.ada.pk]), {"allergen": "", "severity": "mild", "kind": "allergy"}
    )
    assert response.status_code == 422
    assert "Choose the allergen from the list, or type it" in response.content.decode()
    response = client.post(reverse("people:allergies_none_known", args=[world.ada.pk]), {"note": "x"})
    assert response.status_code == 422 and "Confirm that you have checked" in response.content.decode()
    assert not AuditEvent.objects.filter(action__startswith="allergy").exists()


def test_a_care_worker_reads_the_allergies_but_is_not_offered_to_record_them(client, world, table):
    allergy_record(person=world.ada, by=world.sam, substance_code="codeine", kind="intolerance", severity="mild")
    client.force_login(world.carla)
    page = client.get(reverse("people:allergies", args=[world.ada.pk])).content.decode()
    assert "Codeine" in page and "Intolerance (not an allergy)" in page
    assert 'data-testid="add-allergy"' not in page
    assert client.get(reverse("people:allergy_new", args=[world.ada.pk])).status_code == 403
    person_page = client.get(reverse("people:person", args=[world.ada.pk])).content.decode()
    assert "intolerance (not an allergy)" in person_page and 'data-testid="allergies-link"' in person_page


# --- API ---------------------------------------------------------------------------------------------------------


@time_machine.travel(NOON, tick=False)
def test_the_api_records_reads_and_corrects_allergies(world, table, unrecorded):
    sam = api_as(world.sam)
    assert sam.post(f"/people/{unrecorded.pk}/no-known-allergies", {"note": "Asked her"}).status_code == 201
    created = sam.post(
        f"/people/{unrecorded.pk}/allergies",
        {"allergen_class": "penicillins", "severity": "severe", "reaction": "Hives"},
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["coded_class"], body["status"], body["recorded_by"]["username"]) == ("penicillins", "active", "sam")
    refused = sam.post(f"/people/{unrecorded.pk}/no-known-allergies", {})
    assert refused.status_code == 409 and refused.json()["code"] == "allergies_listed"
    corrected = sam.post(f"/allergies/{body['id']}/correction", {"kind": "refuted", "reason": "Tested negative"})
    assert corrected.status_code == 200 and corrected.json()["correction"]["reason"] == "Tested negative"
    read = api_as(world.carla).get(f"/people/{unrecorded.pk}/allergies").json()
    assert [a["status"] for a in read["allergies"]] == ["refuted"] and read["allergy_warning"] is True
    assert [s["status"] for s in read["statements"]] == ["has_allergies", "no_known_allergies"]
    assert (
        api_as(world.carla)
        .post(f"/people/{unrecorded.pk}/allergies", {"name": "Latex", "severity": "mild"})
        .status_code
        == 403
    )
    assert api_as(world.otto).get(f"/people/{unrecorded.pk}/allergies").status_code == 404
    table_rows = api_as(world.carla).get("/allergens", {"q": "penicill"}).json()
    assert {(r["kind"], r["code"]) for r in table_rows} >= {
        ("class", "penicillins"),
        ("substance", "phenoxymethylpenicillin"),
    }
