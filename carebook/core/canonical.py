"""One canonical JSON serialisation: the same value always gives the same bytes (ADR 0006).

What is stored for the record (audit events, queued event deliveries) is this text, so that a
later hash chain hashes the stored bytes and never a re-encoding of them. The rules, fixed as
format version 1:

- objects with keys sorted by Unicode code point; no insignificant whitespace (``,`` and ``:``);
- UTF-8, non-ASCII characters written as themselves (not ``\\u`` escapes);
- ``Decimal`` as a JSON string of its exact text in plain notation (``Decimal("1.50")`` → ``"1.50"``,
  ``Decimal("1E+2")`` → ``"100"``), never a JSON number, so no reader turns it into a float;
- an aware ``datetime`` in UTC, ISO 8601 with microseconds: ``"2026-06-10T07:00:00.000000+00:00"``;
  a naive one is refused;
- ``date`` as ``"2026-06-10"``, ``time`` as ``"08:00:00"`` (ISO 8601), ``UUID`` as its hyphenated text,
  a ``str`` enum (``TextChoices``, ``StrEnum``) as its value;
- ``list`` and ``tuple`` as arrays, ``set`` and ``frozenset`` as arrays sorted by their canonical text;
- ``str``, ``int``, ``bool`` and ``None`` as themselves. A ``float`` is refused (say a quantity
  with ``Decimal``), and so is anything else, by name, so nothing is silently stringified.

Keys must be strings (or values that are written as strings: UUID, enum, date); two keys that
become the same text are refused.

Not RFC 8785 (JCS): JCS sorts keys by UTF-16 code units and writes numbers as ECMAScript does;
without floats the two differ only for keys outside the Basic Multilingual Plane.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from enum import Enum
from typing import Any

FORMAT_VERSION = 1


class NotCanonical(TypeError):
    """A value that has no canonical JSON form."""


def canonical_json(value: Any) -> str:
    """The canonical JSON text of ``value`` (see the module docstring for the rules)."""
    return json.dumps(_plain(value, "$"), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def canonical_bytes(value: Any) -> bytes:
    """The canonical JSON of ``value`` as UTF-8 bytes: what a hash is taken of."""
    return canonical_json(value).encode("utf-8")


def _plain(value: Any, path: str) -> Any:
    """``value`` as plain JSON types (dict with str keys, list, str, int, bool, None)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Enum):
        if isinstance(value, str):
            return str(value.value)
        raise NotCanonical(f"{path}: only str enums have a canonical form, not {type(value).__name__}")
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        raise NotCanonical(f"{path}: a float has no exact text; use Decimal")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise NotCanonical(f"{path}: {value} is not a finite number")
        return format(value, "f")
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise NotCanonical(f"{path}: a naive datetime has no instant; make it timezone-aware")
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        result: dict[str, Any] = {}
        for key, item in value.items():
            text = _key(key, path)
            if text in result:
                raise NotCanonical(f"{path}: two keys are both written {text!r}")
            result[text] = _plain(item, f"{path}.{text}")
        return result
    if isinstance(value, list | tuple):
        return [_plain(item, f"{path}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, set | frozenset):
        items = [_plain(item, f"{path}[]") for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True, ensure_ascii=False))
    raise NotCanonical(f"{path}: {type(value).__name__} has no canonical JSON form")


def _key(key: Any, path: str) -> str:
    if isinstance(key, bool) or not isinstance(key, str | int | uuid.UUID | dt.date | Enum):
        raise NotCanonical(f"{path}: a key must be text, not {type(key).__name__}")
    plain = _plain(key, path)
    return plain if isinstance(plain, str) else str(plain)
