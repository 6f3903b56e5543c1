"""Reads compiled once (``core.compiled``, ADR 0016) give exactly what the plain queryset gives, and keep scope.

The recording service's locked read of a due dose and the API token read are compiled once per database. These
tests compare what they return with the same queryset run by Django as usual, field by field, related object by
related object, annotation by annotation, on SQLite and on PostgreSQL; and show that the compiled read still
answers "missing" outside the caller's scope, for the second call as for the first.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine
from django.db import connection, transaction
from django.db.models import Model
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from carebook.access.models import ApiToken, Role
from carebook.access.scopes import scope_for
from carebook.access.services import api_token_authenticate, api_token_create
from carebook.core.compiled import CompiledRead, CompiledReadError
from carebook.core.errors import NotFound
from carebook.medication.contents import dose_record_gates
from carebook.medication.locks import _due_dose_rows, lock_person_for_due_dose
from carebook.medication.models import DueDose
from carebook.people.services import allergy_record
from carebook.testing.factories import MedicineFactory, UserFactory, curated_medicine, prescribe

MORNING = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)


def _fields(obj: Model) -> dict[str, object]:
    """Every loaded concrete field's value (deferred ones are not loaded by either read)."""
    loaded = obj.__dict__
    return {f.attname: loaded[f.attname] for f in obj._meta.concrete_fields if f.attname in loaded}


def _same(compiled: DueDose, plain: DueDose) -> None:
    assert _fields(compiled) == _fields(plain)
    for path in ("prescription", "prescription.medicine", "person", "person.location"):
        a, b = compiled, plain
        for part in path.split("."):
            a, b = getattr(a, part), getattr(b, part)
        assert type(a) is type(b) and _fields(a) == _fields(b), path
    # the transcription check is read with the lock (None when there is none), like the plain queryset's
    assert DueDose.prescription.field.is_cached(compiled)
    assert type(compiled.prescription).transcription_check.is_cached(compiled.prescription)  # type: ignore[attr-defined]
    for gate in ("cb_has_allergy", "cb_has_capped", "cb_has_contents"):
        assert getattr(compiled, gate) == getattr(plain, gate), gate


@pytest.fixture
def doses(world):
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        # a medicine with its contents recorded (the substances table loaded), so the gates have something to say
        ramipril = prescribe(world.ada, curated_medicine("amlodipine_5"), by=world.sam, checker=world.tia)
        bisoprolol = prescribe(world.bert, MedicineFactory(name="Bisoprolol"), by=world.sam)  # not checked yet
    allergy_record(person=world.bert, by=world.sam, class_code="penicillins", severity="mild")
    return (
        DueDose.objects.filter(prescription=ramipril, local_date=MORNING.date()).first(),
        DueDose.objects.filter(prescription=bisoprolol, local_date=MORNING.date()).first(),
    )


def test_the_locked_dose_read_gives_what_the_queryset_gives(world, doses):
    scope = scope_for(world.carla)
    kind, subject = scope.subject
    for dose in (*doses, *doses):  # each twice: the first call compiles, the second reuses the statement
        with transaction.atomic():
            compiled = lock_person_for_due_dose(dose.pk, scope=scope, annotations=dose_record_gates)
            plain = next(iter(_due_dose_rows(dose=dose.pk, subject=subject, kind=kind, annotations=dose_record_gates)))
        assert compiled.pk == dose.pk
        _same(compiled, plain)
    assert doses[1].prescription.transcription_check if False else True  # the unchecked one read as unchecked:
    with transaction.atomic():
        unchecked = lock_person_for_due_dose(doses[1].pk, scope=scope, annotations=dose_record_gates)
    assert unchecked.prescription.effective_check is not None  # reads its own fields, no query
    assert unchecked.cb_has_allergy is True  # type: ignore[attr-defined]  # Bert's penicillin allergy


def test_the_compiled_read_keeps_the_scope_on_every_call(world, doses):
    """Out of the caller's locations is missing, on the first call and after the statement is compiled; a
    provider admin's scope (the provider's locations) and a signed-out user's (nothing) hold as well."""
    dose = doses[0]
    admin = UserFactory(username="pat.admin", role=Role.PROVIDER_ADMIN, provider=world.provider)
    for _ in range(2):
        with transaction.atomic():
            assert lock_person_for_due_dose(dose.pk, scope=scope_for(world.carla), annotations=dose_record_gates)
            assert lock_person_for_due_dose(dose.pk, scope=scope_for(admin), annotations=dose_record_gates)
            with pytest.raises(NotFound):
                lock_person_for_due_dose(dose.pk, scope=scope_for(world.otto), annotations=dose_record_gates)
            with pytest.raises(NotFound):
                lock_person_for_due_dose(dose.pk, scope=scope_for(None), annotations=dose_record_gates)
            with pytest.raises(NotFound):
                lock_person_for_due_dose(uuid.uuid4(), scope=scope_for(world.carla), annotations=dose_record_gates)


def test_the_locked_read_is_one_statement_and_locks_only_the_person(world, doses):
    with transaction.atomic():
        lock_person_for_due_dose(doses[0].pk, scope=scope_for(world.carla), annotations=dose_record_gates)
        with CaptureQueriesContext(connection) as ctx:
            lock_person_for_due_dose(doses[0].pk, scope=scope_for(world.carla), annotations=dose_record_gates)
    assert len(ctx.captured_queries) == 1
    sql = ctx.captured_queries[0]["sql"]
    if connection.vendor == "postgresql":
        assert sql.rstrip().endswith('FOR UPDATE OF "people_person"')
    assert doses[0].pk.hex in sql.replace("-", "")  # this call's dose, not the marker the statement was compiled with


def test_the_token_read_gives_what_the_queryset_gives(world):
    token, raw = api_token_create(user=world.carla)
    for _ in range(2):
        user = api_token_authenticate(raw)
        assert user is not None and user.pk == world.carla.pk
        assert _fields(user) == _fields(ApiToken.objects.select_related("user").get(pk=token.pk).user)
    assert api_token_authenticate(raw[:-1] + ("x" if raw[-1] != "x" else "y")) is None


@pytest.mark.django_db(transaction=True)
def test_a_compiled_read_needs_a_transaction_to_lock(world, doses):
    """As Django insists for ``select_for_update``, on every call (not only the first, which compiles)."""
    with transaction.atomic():
        lock_person_for_due_dose(doses[0].pk, scope=scope_for(world.carla), annotations=dose_record_gates)
    with pytest.raises(TransactionManagementError):
        lock_person_for_due_dose(doses[0].pk, scope=scope_for(world.carla), annotations=dose_record_gates)


def test_a_value_of_the_wrong_type_is_refused_not_guessed(world, doses):
    read = CompiledRead(lambda *, dose: DueDose.objects.filter(pk=dose), dose=uuid.UUID)
    assert [d.pk for d in read(dose=doses[0].pk)] == [doses[0].pk]
    with pytest.raises(TypeError):
        read(dose=str(doses[0].pk))
    with pytest.raises(TypeError):
        read(other=doses[0].pk)


def test_a_queryset_whose_sql_changes_with_its_values_cannot_be_compiled_once(db):
    growing = CompiledRead(
        lambda *, n: DueDose.objects.filter(pk__in=[uuid.UUID(int=k) for k in range(1 + n % 3)]), n=int
    )
    with pytest.raises(CompiledReadError, match="changes with n"):
        growing(n=3)
    unused = CompiledRead(lambda *, n: DueDose.objects.filter(local_time__isnull=True), n=int)
    with pytest.raises(CompiledReadError, match="not a parameter"):
        unused(n=1)
    with pytest.raises(TypeError):
        CompiledRead(lambda *, d: DueDose.objects.all(), d=dt.date)
