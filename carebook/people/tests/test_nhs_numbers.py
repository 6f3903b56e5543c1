"""NHS numbers are checked wherever they come in: a mistyped number never joins a person to another's records.

943 476 5919 is the NHS's own published example of a valid number; the 999 range is never issued to
a real patient. The check itself is the pinned nhs-number library's (modulus 11).
"""

from __future__ import annotations

import random

import nhs_number
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from carebook.audit_log.models import AuditEvent
from carebook.core.errors import PermissionDenied, ValidationFailed
from carebook.medication.api.testing import api_as
from carebook.people.identity import person_nhs_number_change
from carebook.people.models import Person
from carebook.people.nhs_numbers import INVALID, clean_nhs_number, nhs_number_is_valid, normalise_nhs_number
from carebook.testing.factories import LocationFactory, PersonFactory

VALID = "9434765919"
ANOTHER_VALID = "9990001103"  # synthetic range


def test_the_examples_used_here_are_valid_by_the_library():
    assert nhs_number.is_valid(VALID) and nhs_number.is_valid(ANOTHER_VALID)


# --- What counts as a valid number -----------------------------------------------------------------


@pytest.mark.parametrize(
    "typed", ["9434765919", "943 476 5919", "943-476-5919", " 943 476 5919 ", "943\u2013476\u20135919"]
)
def test_a_number_typed_as_it_is_read_out_is_stored_as_its_ten_digits(typed):
    assert clean_nhs_number(typed) == VALID


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("9434765918", INVALID),  # the last digit mistyped
        ("9434765991", INVALID),  # the last two digits swapped
        ("943476591", "must be 10 digits (this has 9)"),
        ("94347659190", "must be 10 digits (this has 11)"),
        ("943476591X", "no letters"),
        ("\u0669\u0664\u0663\u0664\u0667\u0666\u0665\u0669\u0661\u0669", "no letters"),  # Arabic-Indic digits
        ("943.476.5919", "no letters"),
        ("1000000010", INVALID),  # a stem whose check digit would be 10 can never be valid
    ],
)
def test_a_mistyped_number_is_refused_with_an_error_on_the_field(typed, says):
    with pytest.raises(ValidationFailed) as refused:
        clean_nhs_number(typed)
    assert refused.value.field == "nhs_number" and refused.value.code == "invalid_nhs_number"
    assert refused.value.message.startswith("This is not a valid NHS number")
    assert says in refused.value.message


def test_blank_means_not_known_and_is_allowed():
    assert clean_nhs_number("") == "" and clean_nhs_number("   ") == ""


@given(st.text(alphabet="0123456789", min_size=10, max_size=10), st.integers(0, 9), st.integers(1, 9))
def test_any_single_mistyped_digit_of_a_valid_number_is_caught(stem_and_check, position, shift):
    """Modulus 11 catches every single-digit error: the check digit would have to change too."""
    number = stem_and_check[:9] + str(nhs_number.calculate_checksum(stem_and_check[:9]) % 11)
    if not nhs_number_is_valid(number):
        return  # a stem that cannot make a valid number (check digit 10), or a CHI stem that is not a date
    typo = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1 :]
    assert not nhs_number_is_valid(typo)


@given(st.integers(0, 8))
def test_two_neighbouring_digits_swapped_are_caught(position):
    rng = random.Random(position)
    for _ in range(50):
        stem = "999" + f"{rng.randrange(1_000_000):06d}"
        check = nhs_number.calculate_checksum(stem)
        if check > 9:
            continue
        number = f"{stem}{check}"
        swapped = number[:position] + number[position + 1] + number[position] + number[position + 2 :]
        assert swapped == number or not nhs_number_is_valid(swapped)


def test_normalising_only_removes_spaces_and_dashes():
    assert normalise_nhs_number("943 476-5919") == VALID
    assert normalise_nhs_number("943/476/5919") == "943/476/5919"


# --- The model and the database --------------------------------------------------------------------


def test_the_model_refuses_a_mistyped_number_whichever_code_path_saves_it(world):
    with pytest.raises(ValidationError) as refused:
        PersonFactory(location=world.home, nhs_number="9434765918")
    assert INVALID in refused.value.messages
    person = Person(location=world.home, given_name="Ann", family_name="Other", date_of_birth=world.ada.date_of_birth)
    person.nhs_number = "9434765918"
    with pytest.raises(ValidationError) as full_clean:
        person.full_clean()
    assert full_clean.value.message_dict["nhs_number"] == [INVALID]


def test_an_unrelated_save_does_not_rejudge_a_number_already_stored(world):
    Person.objects.filter(pk=world.ada.pk).update(nhs_number="9434765918")  # as if stored before numbers were checked
    ada = Person.objects.get(pk=world.ada.pk)
    ada.room = "14"
    ada.save(update_fields=["room"])
    ada.nhs_number = "9434765917"
    with pytest.raises(ValidationError):
        ada.save()


def test_the_factories_number_is_valid(world):
    assert nhs_number_is_valid(PersonFactory(location=world.home).nhs_number)


@pytest.mark.parametrize("stored", ["12345", "943476591X", "943 476 59"])
def test_the_database_holds_the_shape_of_ten_digits_or_blank(world, stored):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE people_person SET nhs_number = %s WHERE id = %s", [stored, world.ada.pk.hex])
    assert Person.objects.get(pk=world.ada.pk).nhs_number == VALID


def test_the_database_leaves_the_check_digit_to_the_validator(world):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE people_person SET nhs_number = %s WHERE id = %s", ["9434765918", world.ada.pk.hex])
        cursor.execute("UPDATE people_person SET nhs_number = %s WHERE id = %s", ["", world.bert.pk.hex])
    assert Person.objects.get(pk=world.ada.pk).nhs_number == "9434765918"


# --- The one write: a senior changes it, audited -----------------------------------------------------


def test_sam_corrects_addies_number_typed_with_spaces_and_the_old_one_is_kept_in_the_audit(world):
    person_nhs_number_change(person=world.ada, by=world.sam, nhs_number="999 000 1103", reason="GP letter of 3 June")
    assert Person.objects.get(pk=world.ada.pk).nhs_number == ANOTHER_VALID
    event = AuditEvent.objects.get(action="person.nhs_number_changed")
    assert event.actor == world.sam and event.entity_id == str(world.ada.pk) and event.location == world.home
    assert event.before == {"nhs_number": VALID}
    assert event.after == {"nhs_number": ANOTHER_VALID, "reason": "GP letter of 3 June"}


def test_a_mistyped_number_changes_nothing_and_writes_nothing(world):
    with pytest.raises(ValidationFailed) as refused:
        person_nhs_number_change(person=world.ada, by=world.sam, nhs_number="999 000 1104", reason="GP letter")
    assert refused.value.field == "nhs_number"
    assert Person.objects.get(pk=world.ada.pk).nhs_number == VALID
    assert not AuditEvent.objects.exists()


def test_another_persons_number_at_the_same_provider_is_refused(world):
    person_nhs_number_change(person=world.bert, by=world.sam, nhs_number=ANOTHER_VALID, reason="GP letter")
    with pytest.raises(ValidationFailed) as refused:
        person_nhs_number_change(person=world.ada, by=world.sam, nhs_number=ANOTHER_VALID, reason="GP letter")
    assert refused.value.code == "nhs_number_in_use" and "another person" in refused.value.message
    assert Person.objects.get(pk=world.ada.pk).nhs_number == VALID


def test_a_reason_is_needed_and_a_care_worker_may_not_change_it(world):
    with pytest.raises(ValidationFailed) as no_reason:
        person_nhs_number_change(person=world.ada, by=world.sam, nhs_number=ANOTHER_VALID, reason=" ")
    assert no_reason.value.field == "reason"
    with pytest.raises(PermissionDenied):
        person_nhs_number_change(person=world.ada, by=world.carla, nhs_number=ANOTHER_VALID, reason="GP letter")
    assert Person.objects.get(pk=world.ada.pk).nhs_number == VALID and not AuditEvent.objects.exists()


# --- The page and the API ------------------------------------------------------------------------------


def test_sam_changes_the_number_on_the_page_and_a_typo_is_shown_beside_the_field(client, world):
    client.force_login(world.sam)
    url = reverse("people:nhs_number", args=[world.ada.pk])
    person_page = client.get(reverse("people:person", args=[world.ada.pk])).content.decode()
    assert f'href="{url}"' in person_page
    typo = client.post(url, {"nhs_number": "943 476 5918", "reason": "NHS card"})
    html = typo.content.decode()
    assert typo.status_code == 422
    assert 'href="#nhs_number"' in html and 'id="nhs_number-error"' in html and INVALID in html
    assert Person.objects.get(pk=world.ada.pk).nhs_number == VALID
    saved = client.post(url, {"nhs_number": "999-000-1103", "reason": "NHS card"})
    assert saved.status_code == 302
    assert "999 000 1103" in client.get(saved["Location"]).content.decode()


def test_carla_sees_no_change_link_and_may_not_open_the_page(client, world):
    client.force_login(world.carla)
    person_page = client.get(reverse("people:person", args=[world.ada.pk])).content.decode()
    assert 'data-testid="change-nhs-number"' not in person_page
    assert client.get(reverse("people:nhs_number", args=[world.ada.pk])).status_code == 403


def test_the_api_takes_a_number_with_spaces_and_refuses_a_typo_naming_the_field(world):
    api = api_as(world.sam)
    path = f"/people/{world.ada.pk}/nhs-number"
    typo = api.post(path, {"nhs_number": "999 000 1104", "reason": "GP letter"})
    assert typo.status_code == 422
    assert typo.json() == {"code": "invalid_nhs_number", "message": INVALID, "field": "nhs_number"}
    ok = api.post(path, {"nhs_number": "999 000 1103", "reason": "GP letter"})
    assert ok.status_code == 200 and ok.json()["nhs_number"] == ANOTHER_VALID and ok.json()["nhs_number_valid"]


def test_a_number_stored_before_the_check_is_shown_as_not_valid(client, world):
    Person.objects.filter(pk=world.ada.pk).update(nhs_number="9434765918")
    client.force_login(world.carla)
    html = client.get(reverse("people:person", args=[world.ada.pk])).content.decode()
    assert "Not valid" in html and "Do not use it to match records" in html
    assert api_as(world.carla).get(f"/people/{world.ada.pk}").json()["nhs_number_valid"] is False


# --- Numbers stored before this check: reported, never silently changed ----------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_reports_each_stored_invalid_number_and_says_what_it_did(capsys):
    before = [("people", "0002_allergy_severity_valid")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("people", "Person")
    location = LocationFactory(name="Old Records House")
    stored = {"valid": VALID, "typo": "9434765918", "garbage": "unknown"}
    if connection.vendor == "sqlite":  # SQLite does not hold a column to its length
        stored["spaced"] = "943 476 5919"
    ids = {}
    for key, value in stored.items():
        ids[key] = old.objects.create(
            location_id=location.pk, given_name=key, family_name="Old", date_of_birth="1940-01-01", nhs_number=value
        ).pk
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    output = capsys.readouterr().out
    now = {key: Person.objects.get(pk=pk).nhs_number for key, pk in ids.items()}
    assert now["valid"] == VALID and str(ids["valid"]) not in output
    assert now["typo"] == "9434765918"  # kept: the shape is allowed, and every page says it is not valid
    assert now["garbage"] == ""  # the database can no longer hold it; the value is in the audit log
    events = {e.entity_id: e for e in AuditEvent.objects.filter(action="person.nhs_number_invalid_found")}
    assert str(ids["valid"]) not in events
    assert events[str(ids["typo"])].before == {"nhs_number": "9434765918"}
    assert events[str(ids["garbage"])].before == {"nhs_number": "unknown"}
    assert events[str(ids["garbage"])].after["nhs_number"] == ""
    assert f"person {ids['typo']} at Old Records House: the check digit is wrong" in output
    assert f"person {ids['garbage']} at Old Records House: not an NHS number" in output
    if "spaced" in ids:
        assert now["spaced"] == VALID and "written with spaces or dashes" in output
    assert f"{len(stored) - 1} stored NHS number(s) were not valid" in output


def test_any_future_import_gets_the_same_check(world):
    """An import (FHIR Patient, a CSV) writes people through the model: the model refuses a bad number."""
    with pytest.raises(ValidationError):
        Person.objects.create(
            location=world.home,
            given_name="Imported",
            family_name="Person",
            date_of_birth=world.ada.date_of_birth,
            nhs_number="1234567890",
        )
