"""The facts the rules need about one incident, read in a fixed number of queries (the services and the page read
the same ones, so the page's "what stands in the way of sign-off" is the service's refusal)."""

from __future__ import annotations

from carebook.actions.models import CorrectiveAction
from carebook.actions.vocab import SourceKind
from carebook.incidents import rules
from carebook.incidents.models import CandourRecord, CqcNotification, Incident, IncidentFinding, IncidentNotice


def sign_off_facts(incident: Incident, *, status: str | None = None) -> rules.SignOffFacts:
    return rules.SignOffFacts(
        status=status or incident.status,
        harm=incident.harm,
        findings=IncidentFinding.objects.filter(incident_id=incident.pk).count(),
        open_actions=CorrectiveAction.objects.filter(
            source_kind=SourceKind.INCIDENT, source_id=incident.pk, completed_at__isnull=True
        ).count(),
        candour_recorded=CandourRecord.objects.filter(incident_id=incident.pk).exists(),
        cqc_notified=CqcNotification.objects.filter(incident_id=incident.pk).exists(),
        parties_told=frozenset(IncidentNotice.objects.filter(incident_id=incident.pk).values_list("party", flat=True)),
    )
