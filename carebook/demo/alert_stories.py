"""The demo's alerts: five morning doses at Oakfield House not recorded on the last full day, and what the team did.

Made through the services as the week is replayed (the scan runs when the worker would have run it), so the
dashboard shows an alert at every stage:

1. given but not recorded: the coordinator asks the carer, who makes a late entry; resolved;
2. skipped on the pharmacist's advice: the team leader records the dose withheld; resolved;
3. missed, the GP says no harm expected; resolved;
4. missed, NHS 111 advise observing the person: acknowledged, the steps recorded, still open;
5. nobody took it on: escalated to the team leader, then to the registered manager.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from carebook.alerts.lifecycle import alert_acknowledge, alert_action_record, alert_resolve
from carebook.alerts.models import Alert
from carebook.alerts.rules import ActionInput, round_ends_at
from carebook.alerts.services import alerts_scan
from carebook.alerts.vocab import ActionKind, AlertKind, AlertStatus, CareWorkerAnswer, Outcome, Professional
from carebook.medication import rules
from carebook.medication.models import DueDose, Prescription
from carebook.medication.vocab import Outcome as DoseOutcome
from carebook.organisations.models import Location

if TYPE_CHECKING:
    from carebook.access.models import User

STORIES = 5
MINUTE = dt.timedelta(minutes=1)


class AlertStories:
    def __init__(self, replay: Any, staff: dict[str, User], *, day_index: int) -> None:
        self.replay = replay
        self.staff = staff
        self.day_index = day_index  # the replay's day on which the doses are not recorded
        self.doses: list[DueDose] = []
        self._people: set[Any] = set()
        self._planned = False

    def takes(self, dose: DueDose, day_index: int) -> bool:
        """Whether this dose is one of the stories' (then the replay does not record it)."""
        rx = dose.prescription
        if (
            self._planned
            or day_index != self.day_index
            or len(self.doses) >= STORIES
            or dose.local_time != dt.time(8, 0)
            or rx.person.location.kind != Location.Kind.CARE_HOME
            or rx.medicine.needs_witness
            or rx.medicine.time_critical
            or rx.effective_check
            or rx.is_variable_dose
            or rx.medicine.site_recorded
            or dose.person_id in self._people
        ):
            return False
        self.doses.append(dose)
        self._people.add(dose.person_id)
        return True

    def events(self) -> list[Any]:
        """The scans and the team's steps, as replay events (once the doses are chosen)."""
        if self._planned or len(self.doses) < STORIES:
            return []
        self._planned = True
        first = self.doses[0]
        closes = first.window_closes_at  # every story dose is an 08:00 dose: its window closes at 09:00
        ends = round_ends_at(first.local_date, first.local_time)
        events = [self.replay.event(closes + MINUTE, self._scan)]
        events += [self.replay.event(closes + n * 60 * MINUTE + MINUTE, self._scan) for n in (1,)]
        events += [self.replay.event(ends + n * 60 * MINUTE + MINUTE, self._scan) for n in (0, 1, 2)]
        d1, d2, d3, d4, _d5 = self.doses
        tom, chloe = self.staff["leader.tom"], self.staff["coord.chloe"]

        def given_not_recorded() -> None:
            alert = self._alert(d1, AlertKind.OVERDUE_DOSE)
            alert_acknowledge(alert=alert, by=chloe)
            self._tick(3)
            self._step(
                alert,
                chloe,
                kind=ActionKind.CONTACTED_CARE_WORKER,
                answer=CareWorkerAnswer.GIVEN_NOT_RECORDED,
                note="Gave it at 08:05 and was called away before recording it.",
            )
            self._tick(4)
            rx = d1.prescription
            self.replay.record(
                rx=rx,
                at=self.replay.clock.now,
                outcome=DoseOutcome.GIVEN,
                prompts=[rules.Answer(p, "confirmed") for p in rules.prompts_for(rx.effective_check)],
                due_dose=d1,
                administered_at=d1.scheduled_at + 5 * MINUTE,
                observations="Recorded late, from the alert: given at 08:05, called away before recording it.",
            )
            self._tick(1)
            self._scan()  # the worker's next scan (in the product, the recording's event clears it at once)
            self._tick(1)
            self._step(alert, chloe, kind=ActionKind.ADVICE_OUTCOME, outcome=Outcome.GIVEN_NOT_RECORDED)
            alert_resolve(alert=alert, by=chloe, note="Late entry made; reminded Amy to record at the time.")

        def skipped_on_advice() -> None:
            alert = self._alert(d2, AlertKind.OVERDUE_DOSE)
            alert_acknowledge(alert=alert, by=tom)
            self._tick(8)
            self._step(
                alert,
                tom,
                kind=ActionKind.ESCALATED,
                professional=Professional.PHARMACIST,
                advice="Too close to the evening dose now: skip this morning's dose, give the next as usual.",
            )
            self._tick(2)
            self._step(alert, tom, kind=ActionKind.ADVICE_OUTCOME, outcome=Outcome.SKIP_THIS_DOSE)
            rx = d2.prescription
            self.replay.record(
                rx=rx,
                at=self.replay.clock.now,
                outcome=DoseOutcome.NOT_REQUIRED,
                prompts=[rules.Answer(p, "confirmed") for p in rules.prompts_for(rx.effective_check)],
                due_dose=d2,
                reason="Withheld on the pharmacist's advice (alert): too late for this morning's dose.",
            )
            alert_resolve(alert=alert, by=tom)

        def no_harm_expected() -> None:
            alert = self._alert(d3, AlertKind.MISSED_DOSE)
            alert_acknowledge(alert=alert, by=tom)
            self._tick(5)
            self._step(
                alert,
                tom,
                kind=ActionKind.CONTACTED_CARE_WORKER,
                answer=CareWorkerAnswer.NOT_GIVEN,
                note="She was at the hairdresser's during the round and nobody offered it after.",
            )
            self._tick(15)
            self._step(
                alert,
                tom,
                kind=ActionKind.ESCALATED,
                professional=Professional.GP,
                advice="One missed dose will do no harm; carry on tomorrow morning as prescribed.",
            )
            self._tick(1)
            self._step(alert, tom, kind=ActionKind.ADVICE_OUTCOME, outcome=Outcome.NO_HARM_EXPECTED)
            self._step(alert, tom, kind=ActionKind.INFORMED, informed="family", note="Told her daughter by phone.")
            alert_resolve(alert=alert, by=tom)

        def observing() -> None:
            alert = self._alert(d4, AlertKind.MISSED_DOSE)
            alert_acknowledge(alert=alert, by=chloe)
            self._tick(10)
            self._step(
                alert,
                chloe,
                kind=ActionKind.ESCALATED,
                professional=Professional.NHS_111,
                advice="No need to give it now; watch for dizziness and check blood pressure this afternoon.",
            )
            self._tick(2)
            self._step(
                alert,
                chloe,
                kind=ActionKind.ADVICE_OUTCOME,
                outcome=Outcome.OBSERVE,
                observe_what="Dizziness; blood pressure at 14:00 and 18:00",
                observe_until=self.replay.clock.now + dt.timedelta(days=3),
            )

        events.append(self.replay.event(closes + 12 * MINUTE, given_not_recorded))
        events.append(self.replay.event(closes + 30 * MINUTE, skipped_on_advice))
        events.append(self.replay.event(ends + 20 * MINUTE, no_harm_expected))
        events.append(self.replay.event(ends + 35 * MINUTE, observing))
        return events

    def _scan(self) -> None:
        alerts_scan(now=self.replay.clock.now)

    def _tick(self, minutes: int) -> None:
        self.replay.clock.advance_to(self.replay.clock.now + minutes * MINUTE)

    def _alert(self, dose: DueDose, kind: str) -> Alert:
        return Alert.objects.get(due_dose=dose, kind=kind, status=AlertStatus.OPEN)

    def _step(self, alert: Alert, by: User, **fields: Any) -> None:
        alert_action_record(alert=alert, by=by, step=ActionInput(**fields))


class KindStories:
    """The other alert kinds (ADR 0026), made through the services as the week is replayed:

    - a resident refuses one medicine three times in two days: the refused-dose alerts, carried on by one
      repeated-refusal alert;
    - a carer finds the label does not match the MAR (the right-medicine check failed) on three medicines of the new
      cycle: the doses are not given, and the three failed checks raise an alert about the carer for the team
      leader (repeated non-compliance);
    - a resident takes a when-required medicine up to its 24-hour maximum;
    - at the end, the registered manager sets Oakfield House to warn of an unchecked prescription 24 hours ahead,
      and the prescriptions entered this morning and not yet checked raise their alerts.

    The refusals of the demo's rounds, its late entry, its readings and its allergy decision raise the rest.
    """

    REFUSALS = 3
    # The new cycle's labels: three checks failed by one carer on one round, which is also repeated non-compliance
    # for their supervisor to follow up (ADR 0030's alert about a member of staff).
    FAILED_CHECKS = 3

    def __init__(self, replay: Any, staff: dict[str, User], *, last_day_index: int) -> None:
        self.replay = replay
        self.staff = staff
        self.last = last_day_index
        self.refusing: Any = None  # the prescription refused
        self.refused = 0
        self.failed_checks = 0
        self.prn_done = False

    def instead(self, dose: DueDose, at: dt.datetime, day_index: int) -> Any:
        """A replay event to record in place of the ordinary one, or None."""
        from carebook.demo.seed import answers

        rx = dose.prescription
        ordinary = (
            rx.person.location.kind == Location.Kind.CARE_HOME
            and not rx.medicine.needs_witness
            and not rx.medicine.time_critical
            and not rx.effective_check
            and not rx.is_variable_dose
            and not rx.medicine.site_recorded
        )
        if not ordinary:
            return None
        if self.refusing is None and day_index == self.last - 1 and len(rx.times) >= 2:
            self.refusing = rx.pk
        if rx.pk == self.refusing and self.refused < self.REFUSALS and day_index >= self.last - 1:
            self.refused += 1

            def refuse() -> object:
                return self.replay.record(
                    rx=rx,
                    at=at,
                    outcome=DoseOutcome.REFUSED,
                    prompts=answers("", outcome=DoseOutcome.REFUSED, failed="consent"),
                    due_dose=dose,
                    reason="Said it makes her feel sick and pushed the pot away. Will offer again later.",
                )

            return self.replay.event(at, refuse)
        if (
            self.failed_checks < self.FAILED_CHECKS
            and day_index == self.last
            and rx.pk != self.refusing
            and dt.time(8, 0) <= dose.local_time < dt.time(13, 0)  # one carer's shift, 07:00-14:00 (seed._shifts_for)
        ):
            self.failed_checks += 1

            def label_mismatch() -> object:
                return self.replay.record(
                    rx=rx,
                    at=at,
                    outcome=DoseOutcome.OTHER,
                    prompts=[
                        rules.Answer("right_person", "confirmed"),
                        rules.Answer(
                            "right_medicine", "failed", note="The new cycle's label says a different strength."
                        ),
                    ],
                    due_dose=dose,
                    reason="Not given: the label did not match the MAR. The pharmacy is checking the supply.",
                )

            return self.replay.event(at, label_mismatch)
        return None

    def prn_events(self, rx: Any, day: dt.date, day_index: int, cutoff: dt.datetime) -> list[Any]:
        """On the last full day, one when-required medicine taken up to its 24-hour maximum, each dose when the
        PRN rules (and the ingredients' maxima) allow it."""
        from carebook.alerts.rules import prn_max_reached
        from carebook.core import clock
        from carebook.medication.rules.prn import prn_refusal

        if (
            self.prn_done
            or day_index != self.last
            or rx.person.location.kind != Location.Kind.CARE_HOME
            or rx.medicine.needs_witness
            or rx.prn_max_quantity_24h is None
            # The PRN rule counts every dose of the medicine: one the person has no other prescription of.
            or Prescription.objects.filter(person_id=rx.person_id, medicine_id=rx.medicine_id)
            .exclude(pk=rx.pk)
            .exists()
        ):
            return []
        planned = list(self.replay.prn_planned.get(rx.pk, []))
        interval = dt.timedelta(minutes=rx.prn_min_interval_minutes or 0)
        at = clock.local_wall_time(day, dt.time(7, 0))
        end = min(clock.local_wall_time(day, dt.time(23, 0)), cutoff - dt.timedelta(hours=1))
        doses: list[tuple[dt.datetime, Any]] = []
        # Each dose is planned into the person's ingredient history as it is chosen, so that the next one counts
        # it (co-codamol's paracetamol with the paracetamol tablets given the evening before); taken out again if
        # the day does not reach the maximum after all.
        ingredients = self.replay.ingredient_planned.setdefault(rx.person_id, [])
        mark = len(ingredients)
        while at < end:
            for quantity in (rx.dose_max, rx.dose_min):
                refusal = prn_refusal(
                    history=planned, now=at, quantity=quantity, min_interval=interval, max_24h=rx.prn_max_quantity_24h
                )
                if (
                    refusal is None
                    and self.replay.ingredient_allowed(rx, at, quantity) == at
                    and self.replay.fits_before_planned(rx, at, quantity)
                ):
                    planned.append(rules.PrnDose(at=at, quantity=quantity))
                    self.replay.plan_ingredients(rx, at, quantity)
                    doses.append((at, quantity))
                    break
            at += 15 * MINUTE
        if not doses or not prn_max_reached(
            planned, at=doses[-1][0], smallest=rx.dose_min, max_24h=rx.prn_max_quantity_24h
        ):
            del ingredients[mark:]
            return []
        self.prn_done = True
        self.replay.prn_planned[rx.pk] = sorted(planned, key=lambda d: d.at)
        events = []
        for when, quantity in doses:

            def give(when: dt.datetime = when, quantity: Any = quantity) -> object:
                return self.replay.record(
                    rx=rx,
                    at=when,
                    outcome=DoseOutcome.GIVEN,
                    prompts=[rules.Answer(p, "confirmed") for p in rules.prompts_for(rx.effective_check)],
                    prescription=rx,
                    dose_given=quantity,
                    administered_at=when,  # the replay's clock may have moved on a few minutes
                    prn_reason="Back pain after the fall; asked again each time it wore off.",
                )

            events.append(self.replay.event(when, give))
        return events

    def thresholds(self, home: Location) -> None:
        """The registered manager's setting, through the service (audited)."""
        from carebook.alerts.thresholds import location_thresholds_set

        location_thresholds_set(
            location=home, by=self.staff["manager.mike"], values={"transcription_lead_minutes": 24 * 60}
        )
