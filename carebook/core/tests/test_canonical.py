"""One canonical JSON: the same value always gives the same bytes, whatever order it was built in."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from carebook.core.canonical import NotCanonical, canonical_bytes, canonical_json
from carebook.medication.models import Outcome

LONDON = ZoneInfo("Europe/London")


def test_keys_are_sorted_with_no_whitespace_and_text_is_utf8():
    assert canonical_json({"b": 1, "a": [True, None], "é": "Zoë"}) == '{"a":[true,null],"b":1,"é":"Zoë"}'
    assert canonical_bytes({"name": "Zoë"}) == '{"name":"Zoë"}'.encode()


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1.50"), '"1.50"'),  # exact text: the trailing zero is kept
        (Decimal("1E+2"), '"100"'),  # never an exponent
        (Decimal("0.0000001"), '"0.0000001"'),
        (Decimal("-2.5"), '"-2.5"'),
    ],
)
def test_a_decimal_is_its_exact_text_without_an_exponent(value, text):
    assert canonical_json(value) == text


def test_a_datetime_is_utc_iso_8601_whatever_zone_it_was_given_in():
    summer_morning = dt.datetime(2026, 6, 10, 8, 0, tzinfo=LONDON)  # 08:00 BST
    assert canonical_json(summer_morning) == '"2026-06-10T07:00:00.000000+00:00"'
    assert canonical_json(summer_morning) == canonical_json(summer_morning.astimezone(dt.UTC))


def test_dates_times_uuids_and_choices_are_text():
    key = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert canonical_json([dt.date(2026, 3, 29), dt.time(8, 0), key, Outcome.GIVEN]) == (
        '["2026-03-29","08:00:00","12345678-1234-5678-1234-567812345678","given"]'
    )
    assert canonical_json({key: 1}) == '{"12345678-1234-5678-1234-567812345678":1}'


def test_a_set_is_written_in_one_order():
    assert canonical_json({"b", "a", "c"}) == '["a","b","c"]'


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (0.1, "use Decimal"),
        (dt.datetime(2026, 6, 10, 8, 0), "naive"),
        (Decimal("NaN"), "finite"),
        (object(), "object has no canonical JSON form"),
        ({"a": {"dose": 1.5}}, r"^\$\.a\.dose: "),
        ({1: "one", "1": "uno"}, "two keys"),
    ],
)
def test_what_has_no_exact_text_is_refused_by_name(value, says):
    with pytest.raises(NotCanonical, match=says):
        canonical_json(value)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_canonical_text_reads_back_to_the_same_text(value):
    text = canonical_json(value)
    assert canonical_json(json.loads(text)) == text


@given(st.dictionaries(st.text(), st.integers(), max_size=6))
def test_the_order_a_dict_was_built_in_does_not_matter(value):
    reordered = dict(reversed(list(value.items())))
    assert canonical_bytes(reordered) == canonical_bytes(value)
