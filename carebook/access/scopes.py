"""Scope: which locations' records a member of staff may see.

One predicate with two uses, as an access function fetching one record and as a list query:

    scope = scope_for(user)
    DueDose.objects.filter(scope.q("location"), pk=...)      # one record: missing or out of scope → none
    Person.objects.filter(scope.q("location"))               # a list

``q`` is a subquery over the user's memberships (or their provider, for a provider admin), so a
scoped read is one statement, with no separate look-up of the memberships. ``allows`` answers for a
location id already in hand, from the memberships read once per user object.

A signed-out or switched-off user has an empty scope. Roles do not widen scope (the policy table
decides what a role may do; scope decides where).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from carebook.access.models import Membership, Role, User

NOTHING = Q(pk__in=[])
NO_ONE, PROVIDER, MEMBERS = "none", "provider", "members"


def scope_q(kind: str, subject: Any, location_field: str = "location") -> Q:
    """The filter of a scope of this kind (``Scope.subject``): the one definition of who sees which locations."""
    if kind == NO_ONE:
        return NOTHING
    prefix = "" if location_field in ("", "id", "pk") else f"{location_field}__"
    if kind == PROVIDER:
        return Q((f"{prefix}provider_id", subject))
    if kind != MEMBERS:
        raise ValueError(f"no scope of kind {kind!r}")
    column = "id" if not prefix else f"{location_field}_id"
    return Q(**{f"{column}__in": Membership.objects.filter(user_id=subject).values("location_id")})


@dataclass(frozen=True)
class Scope:
    user: User | None

    @property
    def _provider_wide(self) -> bool:
        return self.user is not None and self.user.role == Role.PROVIDER_ADMIN and self.user.provider_id is not None

    def q(self, location_field: str = "location") -> Q:
        """A filter for rows whose ``location_field`` (a Location foreign key, or "id" on Location) is in scope."""
        kind, subject = self.subject
        return scope_q(kind, subject, location_field)

    @property
    def subject(self) -> tuple[str, Any]:
        """The scope as a kind and the one value it turns on (for a read compiled once, ``core.compiled``):
        ``("none", None)``, ``("provider", provider_id)`` for a provider admin, else ``("members", user id)``."""
        if self.user is None:
            return NO_ONE, None
        if self._provider_wide:
            return PROVIDER, self.user.provider_id
        return MEMBERS, self.user.pk

    def location_ids(self) -> set[Any]:
        """The ids of the locations in scope (read once per user object, then kept on it)."""
        if self.user is None:
            return set()
        cached = getattr(self.user, "_carebook_location_ids", None)
        if cached is None:
            from carebook.organisations.models import Location

            if self._provider_wide:
                cached = set(Location.objects.filter(self.q("id")).values_list("id", flat=True))
            else:
                cached = set(self.user.memberships.values_list("location_id", flat=True))
            self.user._carebook_location_ids = cached  # type: ignore[attr-defined]
        return set(cached)

    def allows(self, location_id: Any) -> bool:
        return location_id in self.location_ids()


def scope_for(user: User | object | None) -> Scope:
    if isinstance(user, User) and user.is_authenticated and user.is_active:
        return Scope(user)
    return Scope(None)
