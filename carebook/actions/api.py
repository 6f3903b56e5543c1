"""A corrective action in JSON: one shape and one function, shared by every API that sets them (incidents, audits)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from pydantic import BaseModel, Field, WithJsonSchema

from carebook.actions import rules
from carebook.actions.models import CorrectiveAction
from carebook.actions.vocab import ActionKind
from carebook.medication.api.present import staff
from carebook.medication.api.schemas import StaffRef

# The alerts' step kinds are the component "ActionKind" already: a corrective action's kind has its own title.
CorrectiveActionKind = Annotated[
    ActionKind,
    WithJsonSchema(
        {"type": "string", "enum": ActionKind.values, "title": "CorrectiveActionKind", "description": "Its kind."}
    ),
]


class CorrectiveActionOut(BaseModel):
    id: uuid.UUID
    kind: CorrectiveActionKind
    what: str
    owner: StaffRef
    due_on: dt.date
    overdue: bool = Field(description="Still open after its due day (the home's date).")
    added_by: StaffRef
    added_at: dt.datetime
    completed_by: StaffRef | None
    completed_at: dt.datetime | None
    completion_note: str


def action(a: CorrectiveAction, today: dt.date) -> dict[str, Any]:
    return {
        "id": a.pk,
        "kind": a.kind,
        "what": a.what,
        "owner": staff(a.owner),
        "due_on": a.due_on,
        "overdue": rules.is_overdue(due_on=a.due_on, completed=a.is_completed, today=today),
        "added_by": staff(a.added_by),
        "added_at": a.added_at,
        "completed_by": staff(a.completed_by),
        "completed_at": a.completed_at,
        "completion_note": a.completion_note,
    }
