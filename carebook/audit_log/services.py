"""record_event: the only way an audit event is written."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.db import connection

from carebook.audit_log.models import AuditEvent
from carebook.core import clock


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if hasattr(value, "pk"):
        return str(value.pk)
    return value


def record_event(
    *,
    actor: Any,
    action: str,
    entity: Any,
    location: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> AuditEvent:
    """Write one audit event. Must be called inside the change's transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("record_event must run inside the transaction of the change it audits")
    return AuditEvent.objects.create(
        at=at or clock.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        entity_type=type(entity)._meta.label_lower if hasattr(entity, "_meta") else str(type(entity).__name__),
        entity_id=str(getattr(entity, "pk", entity)),
        location=location,
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
    )


def snapshot(instance: Any, fields: list[str] | None = None) -> dict[str, Any]:
    """A JSON-ready picture of a model instance's concrete fields."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        data[field.attname] = _jsonable(getattr(instance, field.attname))
    return data
