"""The demo's medication incidents: three of the alerts' stories (``alert_stories.py``) become incidents, made
through the services as the last full day is replayed, so the incidents list shows each stage:

1. the dose given but not recorded: a recording error, no harm; a supervision for the carer, completed; signed off
   by the registered manager;
2. the dose missed at the hairdresser's: an omission, low harm; the family told; a training action due that day and
   not done: overdue today (flagged on the list, the incident and the manager's home page);
3. the dose missed, NHS 111 said observe: moderate harm; the GP told, the duty of candour recorded, the CQC
   notification still to make (the page says it is required); a procedure change completed, a competency
   reassessment open and not yet due.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from carebook.alerts.models import Alert
from carebook.alerts.rules import round_ends_at
from carebook.core import clock
from carebook.demo.alert_stories import STORIES
from carebook.incidents import rules, services

if TYPE_CHECKING:
    from carebook.access.models import User
    from carebook.demo.alert_stories import AlertStories

HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)


class IncidentStories:
    def __init__(self, replay: Any, staff: dict[str, User], alerts: AlertStories) -> None:
        self.replay = replay
        self.staff = staff
        self.alerts = alerts
        self._planned = False

    def events(self) -> list[Any]:
        """The incidents' moments, as replay events, once the alerts' stories have their doses."""
        if self._planned or len(self.alerts.doses) < STORIES:  # planned when the alerts' stories are
            return []
        self._planned = True
        d1, _d2, d3, d4 = self.alerts.doses[:4]
        ends = round_ends_at(d1.local_date, d1.local_time)
        mike, tom, chloe = self.staff["manager.mike"], self.staff["leader.tom"], self.staff["coord.chloe"]
        amy, ben = self.staff["carer.amy"], self.staff["carer.ben"]
        day = d1.local_date

        def incident(dose: Any, by: User, kind: str, harm: str, what: str, done: str) -> Any:
            alert = Alert.objects.filter(due_dose=dose).order_by("-raised_at").first()
            assert alert is not None
            return services.incident_report(
                by=by,
                data=services.IncidentInput(
                    kind=kind,
                    what_happened=what,
                    occurred_at=dose.scheduled_at,
                    discovered_at=alert.raised_at,
                    harm=harm,
                    immediate_actions=done,
                    alert_id=alert.pk,
                ),
            )

        # Each moment is its own replay event (no clock jumps inside one), so that nothing due in between (a
        # when-required dose at 13:00) waits for it and becomes a late entry.
        opened: dict[str, Any] = {}

        def recording_error() -> None:
            opened["found"] = incident(
                d1,
                chloe,
                "recording_error",
                "none",
                "The 08:00 dose was given at 08:05 but not recorded until the alert an hour later.",
                "Late entry made from the alert.",
            )

        def recording_error_found() -> None:
            found = opened["found"]
            services.incident_finding_record(
                incident=found, by=mike, text="Called away mid-round; the tablet was left on the trolley unsaved."
            )
            opened["action"] = services.incident_action_add(
                incident=found,
                by=mike,
                kind="supervision",
                what="Observe Amy's next morning round",
                owner_id=amy.pk,
                due_on=day + dt.timedelta(days=1),
            )

        def recording_error_done() -> None:
            services.incident_action_complete(
                incident=opened["found"],
                action=opened["action"],
                by=tom,
                note="Observed the round: every dose recorded at the time.",
            )

        def recording_error_signed_off() -> None:
            services.incident_sign_off(incident=opened["found"], by=mike, note="Learning shared at the team meeting.")

        def omission_overdue() -> None:
            opened["overdue"] = incident(
                d3,
                tom,
                "omission",
                "low",
                "The morning dose was not offered: she was at the hairdresser's during the round.",
                "GP asked: no harm expected; the next dose given as prescribed.",
            )

        def omission_overdue_told() -> None:
            found = opened["overdue"]
            services.incident_notice_record(
                incident=found, by=tom, party="family", told_at=clock.now(), note="Her daughter, by phone."
            )
            services.incident_finding_record(
                incident=found, by=tom, text="Nobody checked for people out of the home at the end of the round."
            )
            services.incident_action_add(
                incident=found,
                by=tom,
                kind="training",
                what="Ben: the end-of-round check for people who were out",
                owner_id=ben.pk,
                due_on=day,
            )

        def moderate_harm() -> None:
            opened["moderate"] = incident(
                d4,
                chloe,
                "omission",
                "moderate",
                "The morning dose was missed; she was dizzy in the afternoon and her blood pressure was high.",
                "NHS 111 advised observing her; blood pressure checked at 14:00 and 18:00.",
            )

        def moderate_harm_told() -> None:
            found = opened["moderate"]
            services.incident_notice_record(incident=found, by=chloe, party="gp", told_at=clock.now())
            services.incident_candour_record(
                incident=found,
                by=mike,
                candour=rules.CandourInput(
                    told="family", told_on=day, apology=True, written_on=day, note="Letter sent to her son."
                ),
            )
            services.incident_finding_record(
                incident=found, by=mike, text="The MAR was not checked against the round list at handover."
            )
            change = services.incident_action_add(
                incident=found,
                by=mike,
                kind="procedure_change",
                what="Add the round-list check to the handover sheet",
                owner_id=tom.pk,
                due_on=day,
            )
            services.incident_action_complete(incident=found, action=change, by=tom, note="Handover sheet updated.")
            services.incident_action_add(
                incident=found,
                by=mike,
                kind="competency_reassessment",
                what="Reassess the morning round's senior on MAR checks",
                owner_id=tom.pk,
                due_on=day + dt.timedelta(days=14),
            )

        return [
            self.replay.event(ends + 2 * HOUR, recording_error),
            self.replay.event(ends + 2 * HOUR + 20 * MINUTE, recording_error_found),
            self.replay.event(ends + 5 * HOUR + 20 * MINUTE, recording_error_done),
            self.replay.event(ends + 5 * HOUR + 50 * MINUTE, recording_error_signed_off),
            self.replay.event(ends + 7 * HOUR, omission_overdue),
            self.replay.event(ends + 7 * HOUR + 10 * MINUTE, omission_overdue_told),
            self.replay.event(ends + 8 * HOUR, moderate_harm),
            self.replay.event(ends + 8 * HOUR + 15 * MINUTE, moderate_harm_told),
        ]
