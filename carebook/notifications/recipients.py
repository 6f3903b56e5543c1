"""Who works where, in which role: the one look-up the apps that notify use to choose recipients.

Staff are scoped to locations by their memberships (``carebook.access.scopes``): a member of staff of another
location is never among a location's staff. Switched-off accounts are left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Any

from carebook.access.models import Membership, User


def staff_of(location_ids: Iterable[Any], roles: Collection[str]) -> dict[Any, list[User]]:
    """``{location id: [active staff with one of these roles who work there]}``, in one query."""
    ids = set(location_ids)
    found: dict[Any, list[User]] = defaultdict(list)
    if not ids or not roles:
        return found
    memberships = (
        Membership.objects.filter(location_id__in=ids, user__is_active=True, user__role__in=list(roles))
        .select_related("user")
        .order_by("user__username")
    )
    for membership in memberships:
        found[membership.location_id].append(membership.user)
    return found
