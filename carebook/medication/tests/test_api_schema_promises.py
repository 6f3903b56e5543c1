"""The OpenAPI says what the rules say: a request the schema calls valid is not refused for its shape.

Each constraint a validator or service applies to a single field is written in the schema too (a required
reason is not blank; a dose has at most three decimal places; a time of day is "HH:MM"), and the tests below
generate values from the schema's own words and check that the API takes them. Rules across fields or about
the records (a dose outside its window, a PRN given too soon) cannot be said by JSON Schema: they are in the
field descriptions and answered 422 by the services. The from/to pair of the reads is answered whatever it is.
(carebook/medication/tests/test_api_schemathesis.py also fails any schema-valid request refused for its shape,
and any schema-valid read refused at all.)
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from carebook.core.schemas import NOT_BLANK_PATTERN
from carebook.medication.api.schemas import Quantity, Reading
from carebook.medication.api.testing import api_as
from carebook.medication.models import Prescription, PrescriptionStatus
from carebook.testing.factories import MedicineFactory, prescribe
from carebook.testing.shared import module_transaction

MORNING = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)
BLANK = [chr(c) for c in range(0x110000) if chr(c).isspace()]  # what the services' str.strip() removes
NOT_BLANK = re.compile(NOT_BLANK_PATTERN)


@pytest.fixture(scope="module")
def _served_spec(django_db_setup, django_db_blocker):
    """The served OpenAPI document, fetched once for the module (building it takes seconds); nothing it writes stays."""
    with module_transaction(django_db_blocker), django_db_blocker.unblock():
        response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def spec(_served_spec):
    return copy.deepcopy(_served_spec)


def prop(spec, model: str, name: str) -> dict:
    return spec["components"]["schemas"][model]["properties"][name]


# --- required free text -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "name"),
    [
        ("ReasonIn", "reason"),
        ("PrescriptionChangeIn", "reason"),
        ("PrescriptionIn", "directions"),
        ("PrescriptionIn", "prescriber"),
    ],
)
def test_required_free_text_is_not_blank_in_the_schema(spec, model, name):
    schema = prop(spec, model, name)
    assert schema["minLength"] == 1
    assert schema["pattern"] == NOT_BLANK_PATTERN
    assert name in spec["components"]["schemas"][model]["required"]


def test_the_not_blank_pattern_is_exactly_the_services_strip():
    for char in BLANK:
        assert NOT_BLANK.search(char * 3) is None, hex(ord(char))
    for text in ["x", " x ", "\x85Hold\x1c", "\u00a0GP letter\u3000", "\ufeff", "-"]:
        assert NOT_BLANK.search(text) and text.strip()


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from([*BLANK, "a", "\x00", "\ufeff", "é"]), max_size=6))
def test_a_text_matches_the_pattern_exactly_when_the_service_would_take_it(text):
    assert (NOT_BLANK.search(text) is not None) == (bool(text.strip()) and "\x00" not in text)


@time_machine.travel(MORNING, tick=False)
@pytest.mark.parametrize("action", ["suspend", "discontinue"])
def test_a_reason_the_schema_admits_is_taken_and_a_blank_one_is_refused_before_the_service(world, action):
    rx = prescribe(world.ada, MedicineFactory(name="Ramipril"), by=world.sam, checker=world.tia)
    api = api_as(world.sam)

    blank = api.post(f"/prescriptions/{rx.pk}/{action}", {"reason": "\x85\u3000\x1c "})
    assert blank.status_code == 422 and blank.json()["field"] == "reason"
    assert blank.json()["details"]["errors"]  # refused by the shape (what the schema says), not by the service
    assert Prescription.objects.get(pk=rx.pk).status == PrescriptionStatus.ACTIVE

    odd = api.post(f"/prescriptions/{rx.pk}/{action}", {"reason": "\x85GP\u00a0letter\x1c"})
    assert odd.status_code == 200, odd.content


# --- numbers, times, header ------------------------------------------------------------------------------


def _regex(spec_schema: dict, kind: str) -> str:
    return next(s["pattern"] for s in spec_schema["anyOf"] if s.get("type") == kind)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_dose_and_reading_the_schema_admits_is_taken(data, spec):
    for model, name, adapter, places in [
        ("PrescriptionIn", "dose_min", TypeAdapter(Quantity), 3),
        ("PromptAnswerIn", "value", TypeAdapter(Reading), 1),
    ]:
        schema = prop(spec, model, name)
        text = data.draw(st.from_regex(_regex(schema, "string"), fullmatch=True))
        assert adapter.validate_python(text) == Decimal(text)
        number = next(s for s in schema["anyOf"] if s.get("type") == "number")
        low = 1 if "exclusiveMinimum" in number else 0
        steps = data.draw(st.integers(low, int(number["exclusiveMaximum"] * 10**places) - 1))
        assert adapter.validate_python(Decimal(steps).scaleb(-places)) == Decimal(steps).scaleb(-places)


def test_doses_the_service_would_refuse_are_outside_the_schema(spec):
    schema = prop(spec, "PrescriptionIn", "dose_min")
    string = re.compile(_regex(schema, "string"))
    for refused in ["0", "0.000", "100000", "1.0001", "-1", "two", "1e3", "NaN"]:
        assert not string.search(refused), refused
    number = next(s for s in schema["anyOf"] if s.get("type") == "number")
    assert number == {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 100000, "multipleOf": 0.001}


def test_times_of_day_are_hh_mm_each_once_at_most_twelve(spec):
    times = prop(spec, "PrescriptionIn", "times")
    assert times["maxItems"] == 12 and times["uniqueItems"] is True
    item = re.compile(times["items"]["pattern"])
    assert all(item.search(f"{h:02d}:{m:02d}") for h in range(24) for m in range(60))
    assert not any(item.search(t) for t in ["24:00", "8:00", "08:60", "0800", "08.00"])


def test_the_idempotency_key_header_says_1_to_100_characters_not_blank(spec):
    header = next(
        p for p in spec["paths"]["/api/v1/administrations"]["post"]["parameters"] if p["name"] == "Idempotency-Key"
    )
    schema = header["schema"]["anyOf"][0]
    assert (schema["minLength"], schema["maxLength"], schema["pattern"]) == (1, 100, NOT_BLANK_PATTERN)


def test_a_medicine_id_is_one_the_service_can_look_up(spec):
    assert prop(spec, "PrescriptionIn", "medicine_id")["maximum"] == 99_999_999_999


# --- from/to ----------------------------------------------------------------------------------------------

moments = st.datetimes(
    min_value=dt.datetime(2000, 1, 2), max_value=dt.datetime(2100, 12, 30), timezones=st.sampled_from([dt.UTC])
) | st.datetimes(
    min_value=dt.datetime(2000, 1, 2),
    max_value=dt.datetime(2100, 12, 30),
    timezones=st.sampled_from([dt.timezone(dt.timedelta(hours=h)) for h in (-12, -5, 1, 14)]),
)


@pytest.mark.parametrize("path", ["/due-doses", "/administrations"])
def test_any_from_and_to_the_schema_admits_is_answered(world, path):
    api = api_as(world.carla)
    where = {"location": world.home.pk}

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(start=st.none() | moments, end=st.none() | moments)
    def answered(start, end):
        params = {**where, **({"from": start.isoformat()} if start else {}), **({"to": end.isoformat()} if end else {})}
        response = api.get(path, params)
        assert response.status_code == 200, (params, response.content)
        if "Link" in response:
            assert response["Link"].endswith('>; rel="next"')

    answered()
