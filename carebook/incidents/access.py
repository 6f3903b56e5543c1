"""The only way an incident is fetched for a member of staff: the role (403) and the location scope (404, the same
answer as missing) in one query."""

from __future__ import annotations

from carebook.access.models import User
from carebook.access.policy import Action, require
from carebook.access.scopes import scope_for
from carebook.actions.access import access_source_action
from carebook.actions.models import CorrectiveAction
from carebook.actions.vocab import SourceKind
from carebook.core.errors import NotFound
from carebook.core.ids import as_uuid
from carebook.incidents.models import Incident

RELATED = (
    "person",
    "location",
    "prescription__medicine",
    "due_dose",
    "administration",
    "alert",
    "reported_by",
    "review_started_by",
    "signed_off_by",
)


def access_incident_for_user(user: User, incident_id: object, action: Action = Action.VIEW_INCIDENTS) -> Incident:
    require(user, action)
    iid = as_uuid(incident_id, "incident")
    incident = Incident.objects.filter(scope_for(user).q("location"), pk=iid).select_related(*RELATED).first()
    if incident is None:
        raise NotFound("No incident with that id.")
    return incident


def access_incident_action(incident: Incident, action_id: object) -> CorrectiveAction:
    """One of this incident's corrective actions (another's, or nonsense: 404)."""
    return access_source_action(SourceKind.INCIDENT, incident.pk, action_id)
