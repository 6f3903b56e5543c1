"""Who may do what: the one table every page and endpoint consults.

Scope (which location's records) is checked separately by the ``access_*``
functions of each app, using ``location_ids_for_user``. A role missing from an
action's set is refused: nothing defaults to allow.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from carebook.access.models import Role
from carebook.core.errors import PermissionDenied


class Action(StrEnum):
    VIEW_PEOPLE = "view_people"
    VIEW_ROUND = "view_round"
    VIEW_MAR = "view_mar"
    VIEW_PRESCRIPTIONS = "view_prescriptions"
    RECORD_ADMINISTRATION = "record_administration"
    WITNESS_CONTROLLED_DRUG = "witness_controlled_drug"
    MANAGE_PRESCRIPTIONS = "manage_prescriptions"
    CHECK_TRANSCRIPTION = "check_transcription"
    CORRECT_ANY_ADMINISTRATION = "correct_any_administration"
    CORRECT_OWN_ADMINISTRATION = "correct_own_administration"
    MANAGE_OWN_API_TOKENS = "manage_own_api_tokens"
    MANAGE_STAFF_API_TOKENS = "manage_staff_api_tokens"


_ALL = frozenset(Role)
_ADMINISTERING = frozenset({Role.CARE_WORKER, Role.SENIOR_CARER, Role.TEAM_LEADER, Role.REGISTERED_MANAGER})
_SENIOR = frozenset({Role.SENIOR_CARER, Role.TEAM_LEADER, Role.REGISTERED_MANAGER})

POLICY: Mapping[Action, frozenset[Role]] = {
    Action.VIEW_PEOPLE: _ALL,
    Action.VIEW_ROUND: _ALL,
    Action.VIEW_MAR: _ALL,
    Action.VIEW_PRESCRIPTIONS: _ALL,
    Action.RECORD_ADMINISTRATION: _ADMINISTERING,
    Action.WITNESS_CONTROLLED_DRUG: _SENIOR,
    Action.MANAGE_PRESCRIPTIONS: _SENIOR,
    Action.CHECK_TRANSCRIPTION: _SENIOR,
    Action.CORRECT_ANY_ADMINISTRATION: _SENIOR,
    Action.CORRECT_OWN_ADMINISTRATION: _ADMINISTERING,
    # Make, list and revoke one's own personal API tokens.
    Action.MANAGE_OWN_API_TOKENS: frozenset(
        {
            Role.CARE_WORKER,
            Role.SENIOR_CARER,
            Role.TEAM_LEADER,
            Role.COORDINATOR,
            Role.REGISTERED_MANAGER,
            Role.PROVIDER_ADMIN,
        }
    ),
    # List and revoke the tokens of every member of staff of one's own provider.
    Action.MANAGE_STAFF_API_TOKENS: frozenset({Role.PROVIDER_ADMIN}),
}


def can(user: Any, action: Action) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.role in POLICY.get(action, frozenset())


def require(user: Any, action: Action) -> None:
    if not can(user, action):
        raise PermissionDenied(
            f"Your role ({user.get_role_display() if hasattr(user, 'get_role_display') else 'none'}) "
            f"may not {action.value.replace('_', ' ')}.",
            code="forbidden",
            action=action.value,
        )


def location_ids_for_user(user: Any) -> set[Any]:
    """The locations whose records this member of staff may see."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    from carebook.organisations.models import Location

    if user.role == Role.PROVIDER_ADMIN and user.provider_id:
        return set(Location.objects.filter(provider_id=user.provider_id).values_list("id", flat=True))
    cached = getattr(user, "_carebook_location_ids", None)
    if cached is None:
        cached = set(user.memberships.values_list("location_id", flat=True))
        user._carebook_location_ids = cached
    return set(cached)
