"""The person's row lock for the people app's own writes (allergies): the same unit of serialisation as the
medication services' (``carebook/medication/locks.py``, which documents the order: the person always first).

A dose being checked against a person's allergies (the recording service holds this row) and an allergy being
recorded or corrected for that person never interleave: one waits for the other.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from carebook.core.errors import NotFound
from carebook.people.models import Person


def lock_person_in_scope(person_id: Any, *, scope: Q) -> Person:
    """Lock one person's row, read in ``scope`` (``Scope.q("location")``): out of scope is missing."""
    person = (
        Person.objects.filter(scope, pk=person_id).select_related("location").select_for_update(of=("self",)).first()
    )
    if person is None:
        raise NotFound("No person with that id.")
    return person
