"""Audit events are insert-only, held by the database (ADR 0005)."""

from django.db import migrations

from carebook.core.append_only import ProtectAppendOnly


class Migration(migrations.Migration):
    dependencies = [
        ("audit_log", "0002_audit_event_canonical_content"),
    ]

    operations = [
        ProtectAppendOnly("auditevent"),
    ]
