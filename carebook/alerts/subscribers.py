"""What the alerts app does when the medication app announces something (ADR 0007, 0026).

The scan (``services.alerts_scan``, every minute) is what must not miss anything; these only act sooner. Each
decides from the event's own fields whether there can be anything to do, so that an ordinary dose recorded in
time, with its checks confirmed, costs the alerts app no query.
"""

from __future__ import annotations

from carebook.alerts import detect, rules
from carebook.alerts.models import Alert
from carebook.alerts.services import alerts_clear_recorded
from carebook.core import clock
from carebook.core.events import subscriber
from carebook.medication.events import (
    AllergyOverridden,
    DoseRecorded,
    PrescriptionChange,
    PrescriptionChanged,
    ReadingOutsideRule,
)
from carebook.medication.vocab import TAKEN


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


@subscriber(DoseRecorded, name="alerts.raise_from_record")
def raise_from_record(event: DoseRecorded) -> None:
    """A refusal, an omission, a when-required dose, a check skipped or failed: the kinds it may raise, at once. A
    late recording is the scan's (within a minute): raising it here would put an alert's writes on every late entry's
    request."""
    now = clock.now()
    ids = [event.administration_id]
    if event.outcome in rules.REFUSALS:
        detect.detect_repeated_refusals(now=now, ids=ids)
    if event.outcome in rules.OMISSIONS:
        detect.detect_repeated_omissions(now=now, ids=ids)
    if event.due_dose_id is None and event.outcome in TAKEN:
        detect.detect_prn_patterns(now=now, ids=ids)
    if rules.prompts_to_alert(skipped=event.prompts_skipped, failed=event.prompts_failed, outcome=event.outcome):
        detect.detect_prompts_not_confirmed(now=now, ids=ids)
        # Repeated by the same member of staff: their supervisors' alert, at once (ADR 0030).
        detect.detect_prompt_non_compliance(now=now, staff=[(event.location_id, event.recorded_by_id)])


@subscriber(ReadingOutsideRule, name="alerts.reading_outside_rule")
def reading_outside_rule(event: ReadingOutsideRule) -> None:
    if event.administration_id is not None:
        detect.detect_readings_outside_rule(now=clock.now(), ids=[event.administration_id])


@subscriber(AllergyOverridden, name="alerts.allergy_overridden")
def allergy_overridden(event: AllergyOverridden) -> None:
    detect.detect_allergy_overrides(now=clock.now(), ids=[event.decision_id])


@subscriber(PrescriptionChanged, name="alerts.transcription_checked")
def transcription_checked(event: PrescriptionChanged) -> None:
    if event.change == PrescriptionChange.TRANSCRIPTION_CHECKED:
        detect.clear_transcription_checked(now=clock.now(), prescription_ids=[event.prescription_id])
