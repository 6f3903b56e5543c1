"""record_event: the only way an audit event is written."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection

from carebook.audit_log.actions import AuditAction, require_registered
from carebook.audit_log.models import AuditEvent, event_content
from carebook.core import clock


def record_event(
    *,
    actor: Any,
    action: AuditAction,
    entity: Any,
    location: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> AuditEvent:
    """Write one audit event. Must be called inside the change's transaction.

    ``action`` is a member of a registered ``AuditAction`` enum (the app's ``audit.py``);
    ``before`` and ``after`` are stored as canonical JSON (``carebook.core.canonical``).
    """
    action = require_registered(action)
    if not connection.in_atomic_block:
        raise RuntimeError("record_event must run inside the transaction of the change it audits")
    at = at or clock.now()
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    entity_type = type(entity)._meta.label_lower if hasattr(entity, "_meta") else str(type(entity).__name__)
    entity_id = str(getattr(entity, "pk", entity))
    location_id = getattr(location, "pk", location)
    return AuditEvent.objects.create(
        at=at,
        actor_id=actor_id,
        action=action.value,
        entity_type=entity_type,
        entity_id=entity_id,
        location_id=location_id,
        content=event_content(
            at=at,
            actor_id=actor_id,
            action=action.value,
            entity_type=entity_type,
            entity_id=entity_id,
            location_id=location_id,
            before=before,
            after=after,
        ),
    )


def snapshot(instance: Any, fields: list[str] | None = None) -> dict[str, Any]:
    """A picture of a model instance's concrete fields (by column name), for ``before``/``after``."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        data[field.attname] = getattr(instance, field.attname)
    return data
