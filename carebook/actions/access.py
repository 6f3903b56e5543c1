"""One corrective action of one source (an incident, an audit), fetched after the source itself has been fetched
through its own access check: another source's action, or nonsense, is 404."""

from __future__ import annotations

import uuid

from carebook.actions.models import CorrectiveAction
from carebook.actions.vocab import SourceKind
from carebook.core.errors import NotFound
from carebook.core.ids import as_uuid


def access_source_action(source_kind: SourceKind, source_id: uuid.UUID, action_id: object) -> CorrectiveAction:
    aid = as_uuid(action_id, "action")
    found = (
        CorrectiveAction.objects.filter(source_kind=source_kind, source_id=source_id, pk=aid)
        .select_related("owner", "completed_by")
        .first()
    )
    if found is None:
        raise NotFound(f"No corrective action with that id on this {source_kind.label.lower()}.")
    return found
