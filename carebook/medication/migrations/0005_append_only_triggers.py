"""Never edit, never delete, held by the database (ADR 0005).

Each line installs the triggers that refuse UPDATE (outside the named projection columns and their
transitions) and DELETE, on SQLite and on PostgreSQL (and TRUNCATE there). The ``mutable`` literals are
frozen here and must equal each model's ``append_only`` declaration: the registry test compares them with
the triggers the database really has.
"""

from django.db import migrations

from carebook.core.append_only import ProtectAppendOnly


class Migration(migrations.Migration):
    dependencies = [
        ("medication", "0004_hand_due_dose_schedule_to_jobs_registry"),
    ]

    operations = [
        ProtectAppendOnly(
            "prescription",
            mutable={
                "status": [
                    ("active", "discontinued"),
                    ("active", "superseded"),
                    ("active", "suspended"),
                    ("suspended", "active"),
                    ("suspended", "discontinued"),
                    ("suspended", "superseded"),
                ]
            },
        ),
        ProtectAppendOnly("transcriptioncheck"),
        ProtectAppendOnly("prescriptionevent"),
        ProtectAppendOnly(
            "duedose",
            mutable={
                "state": [("pending", "recorded"), ("pending", "withdrawn"), ("recorded", "pending")],
                "withdrawn_at": None,
                "withdrawn_reason": None,
                "reopened_at": None,
            },
        ),
        ProtectAppendOnly("administration", mutable={"status": [("completed", "entered_in_error")]}),
        ProtectAppendOnly("promptanswer"),
        ProtectAppendOnly("administrationcorrection"),
        ProtectAppendOnly("prnfollowup"),
    ]
