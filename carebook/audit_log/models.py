"""Append-only audit events.

Rows are only ever inserted, by ``record_event`` inside the transaction of the change they
describe. Database triggers refuse UPDATE and DELETE, and the ORM guard of ``AppendOnlyModel``
refuses them first (ADR 0005). ``content`` is the event as canonical JSON text (ADR 0006): the
exact bytes a later hash chain hashes (``canonical_bytes()``). The other columns repeat what is in
it, for querying; ``content_from_columns()`` rebuilds the text from them, so a verifier can tell
when a column or the text was altered. A later issue adds ``seq``, ``prev_hash`` and ``hash``
(a chain per location).
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cached_property
from typing import Any

from django.conf import settings
from django.db import models

from carebook.core.append_only import AppendOnlyModel
from carebook.core.canonical import FORMAT_VERSION, canonical_json


def event_content(
    *,
    at: dt.datetime,
    actor_id: Any,
    action: str,
    entity_type: str,
    entity_id: str,
    location_id: Any,
    before: Any,
    after: Any,
) -> str:
    """The canonical JSON text of one audit event (format version ``v``)."""
    return canonical_json(
        {
            "v": FORMAT_VERSION,
            "at": at,
            "actor": actor_id,
            "action": str(action),
            "entity_type": entity_type,
            "entity_id": entity_id,
            "location": location_id,
            "before": before,
            "after": after,
        }
    )


class AuditEvent(AppendOnlyModel):
    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=80, db_index=True)
    entity_type = models.CharField(max_length=80)
    entity_id = models.CharField(max_length=64)
    location = models.ForeignKey(
        "organisations.Location", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    content = models.TextField(help_text="The whole event as canonical JSON (ADR 0006): the bytes a chain hashes.")

    class Meta:
        indexes = [models.Index(fields=["entity_type", "entity_id"], name="audit_entity_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.entity_type}:{self.entity_id}"

    @cached_property
    def data(self) -> dict[str, Any]:
        """The stored content, parsed."""
        parsed: dict[str, Any] = json.loads(self.content)
        return parsed

    @property
    def before(self) -> Any:
        return self.data["before"]

    @property
    def after(self) -> Any:
        return self.data["after"]

    def canonical_bytes(self) -> bytes:
        """What a hash chain hashes: the stored text, never a re-encoding of it."""
        return self.content.encode("utf-8")

    def content_from_columns(self) -> str:
        """The content rebuilt from the columns (before and after from the stored text)."""
        return event_content(
            at=self.at,
            actor_id=self.actor_id,
            action=self.action,
            entity_type=self.entity_type,
            entity_id=self.entity_id,
            location_id=self.location_id,
            before=self.before,
            after=self.after,
        )
