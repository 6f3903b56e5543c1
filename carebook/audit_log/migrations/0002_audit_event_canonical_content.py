"""Audit events keep their content as canonical JSON text (ADR 0006).

The ``before`` and ``after`` JSON columns are folded into one ``content`` text column holding the
whole event in canonical form. PostgreSQL's jsonb reorders keys and normalises numbers, so only a
text column keeps the exact bytes a hash chain will hash. Existing rows are converted in place:
this is the one time audit rows are rewritten, before any chain exists; their values are kept as
they were stored (already JSON strings, numbers and so on), only re-serialised canonically.
Works on SQLite and PostgreSQL; reversible.
"""

import datetime as dt
import json
from decimal import Decimal

from django.db import migrations, models

from carebook.core.canonical import canonical_json

BATCH = 1000


def _no_floats(value):
    # A float has no canonical text; any that reached the old JSON columns keep their shortest repr.
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {k: _no_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_no_floats(v) for v in value]
    return value


def _content(row):
    # Format version 1, the same keys as carebook.audit_log.models.event_content.
    return canonical_json(
        {
            "v": 1,
            "at": row.at.astimezone(dt.UTC),
            "actor": row.actor_id,
            "action": row.action,
            "entity_type": row.entity_type,
            "entity_id": row.entity_id,
            "location": row.location_id,
            "before": _no_floats(row.before),
            "after": _no_floats(row.after),
        }
    )


def to_content(apps, schema_editor):
    AuditEvent = apps.get_model("audit_log", "AuditEvent")
    batch = []
    for row in AuditEvent.objects.using(schema_editor.connection.alias).order_by("pk").iterator(chunk_size=BATCH):
        row.content = _content(row)
        batch.append(row)
        if len(batch) >= BATCH:
            AuditEvent.objects.bulk_update(batch, ["content"])
            batch = []
    if batch:
        AuditEvent.objects.bulk_update(batch, ["content"])


def from_content(apps, schema_editor):
    AuditEvent = apps.get_model("audit_log", "AuditEvent")
    batch = []
    for row in AuditEvent.objects.using(schema_editor.connection.alias).order_by("pk").iterator(chunk_size=BATCH):
        data = json.loads(row.content)
        row.before, row.after = data["before"], data["after"]
        batch.append(row)
        if len(batch) >= BATCH:
            AuditEvent.objects.bulk_update(batch, ["before", "after"])
            batch = []
    if batch:
        AuditEvent.objects.bulk_update(batch, ["before", "after"])


class Migration(migrations.Migration):
    dependencies = [("audit_log", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="content",
            field=models.TextField(
                default="",
                help_text="The whole event as canonical JSON (ADR 0006): the bytes a chain hashes.",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(to_content, from_content),
        migrations.RemoveField(model_name="auditevent", name="before"),
        migrations.RemoveField(model_name="auditevent", name="after"),
    ]
