"""What the alerts app does when the medication app announces something (ADR 0007).

The scan (``services.alerts_scan``, every minute) is what must not miss anything; these only act sooner.
"""

from __future__ import annotations

from carebook.alerts.models import Alert
from carebook.alerts.services import alerts_clear_recorded
from carebook.core import clock
from carebook.core.events import subscriber
from carebook.medication.events import DoseRecorded


@subscriber(DoseRecorded, name="alerts.clear_when_recorded")
def clear_when_recorded(event: DoseRecorded) -> None:
    """A dose recorded after its window closed may have an overdue or missed alert: it clears now, not at the next
    scan. A dose recorded in time cannot have one, and costs nothing."""
    if event.due_dose_id is None or event.window_closes_at is None or event.recorded_at < event.window_closes_at:
        return
    # A late dose with nothing to clear (recorded before the next scan, or cleared already) costs one look at the
    # alerts' due-dose index, without the join and the record's read that clearing needs.
    if not Alert.objects.filter(due_dose_id=event.due_dose_id, cleared_at__isnull=True).exists():
        return
    alerts_clear_recorded(now=clock.now(), due_dose_ids=[event.due_dose_id])
