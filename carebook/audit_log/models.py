"""Append-only audit events.

Rows are only ever inserted, by ``record_event`` inside the transaction of the
change they describe. Database triggers refuse UPDATE and DELETE, and the ORM
guard of ``AppendOnlyModel`` refuses them first (ADR 0005). A later issue adds
the per-location hash chain; the columns here are its base.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from carebook.core.append_only import AppendOnlyModel


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
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["entity_type", "entity_id"], name="audit_entity_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.entity_type}:{self.entity_id}"
