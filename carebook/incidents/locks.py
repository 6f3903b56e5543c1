"""The one row lock the incidents app takes: the incident's own row, for the rest of the transaction.

Every write to an incident after its report takes it first, so a corrective action set while the registered manager
signs off cannot slip past "no close with an open action" (PostgreSQL; SQLite serialises writers anyway). It is never
taken with a person's lock (ADR 0009): an incident's writes lock no clinical row.
"""

from __future__ import annotations

from carebook.incidents.models import Incident


def lock_incident(incident_id: object) -> Incident:
    return Incident.objects.select_for_update(of=("self",)).get(pk=incident_id)
