"""Months of medication rounds written straight into the tables: the benchmark's history, and the demo's months
before its replayed week (carebook/demo/seed.py), one writer for both.

Recording 400,000 doses through the services would take an hour, so the benchmark writes its history in
bulk (executemany on SQLite, COPY on PostgreSQL). The rule sets come from the rules layer
(``rules.WITNESSED_OUTCOMES``, ``TAKEN_OUTCOMES``, ``rules.prompts_for``, the late-entry setting), and every
record is put through the rules' own checks (``rules.check_witness``, ``check_reason``,
``check_prompt_answers``, ``check_dose_quantity``) before it is written, so a rule that moves makes the seed
fail rather than write rows the services would refuse. tests/bench/test_bulk_history.py compares the rows
with rows the services write for the same doses. The rows keep every rule the services keep:

- a due dose for every slot the schedule gives (``rules.scheduled_slots``, as the services generate them),
  from the moment the prescription was entered up to the due-dose horizon;
- at most one effective (completed) administration per due dose, and that dose marked recorded; a
  corrected record is marked entered in error, with its AdministrationCorrection, and its replacement
  points at it (``corrects``);
- every administration has its walk of prompts shown (``PromptShowing``, as the service writes for a record made
  without a page's walk: shown when recorded, by the recorder) and its safety prompt answers (a reading for
  digoxin and insulin), a given
  controlled drug has a witness who is not the recorder, a patch or injection has its site, a PRN dose
  has its reason and a follow-up, and PRN doses respect the minimum interval and the 24-hour maximum;
- nothing is recorded before its dose window opens, and nothing after the location's cutoff.

How a home is doing may change over the months (``HistoryRates``: doses recorded long after they were given, doses
not available), so the demo shows a trend that improves after a corrective action; the benchmark keeps the
defaults (none of either).

What it leaves out: audit events for the bulk rows (the audit table is written, never read, by the
pages and the API measured here).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Model

from carebook.core import clock
from carebook.medication import rules
from carebook.medication.models import (
    Administration,
    AdministrationCorrection,
    DueDose,
    Medicine,
    Outcome,
    Prescription,
    PrnFollowUp,
    PromptAnswer,
    PromptShowing,
)
from carebook.medication.models.administrations import TAKEN_OUTCOMES
from carebook.medication.vocab import OFFER_AGAIN_OUTCOMES, OldPatch

MINUTE = dt.timedelta(minutes=1)
DUE_FIELDS = (
    "id",
    "prescription",
    "person",
    "location",
    "scheduled_at",
    "local_date",
    "local_time",
    "state",
    "withdrawn_at",
    "withdrawn_reason",
    "window_opens_at",
    "window_closes_at",
    "reopened_at",
    "moved_from",
)
ADMIN_FIELDS = (
    "id",
    "due_dose",
    "prescription",
    "person",
    "location",
    "outcome",
    "reason",
    "dose_given",
    "dose_unit",
    "administered_at",
    "recorded_at",
    "recorded_by",
    "late_entry",
    "witness",
    "witnessed_at",
    "site",
    "observations",
    "prn_reason",
    "idempotency_key",
    "status",
    "corrects",
    "minutes_late",
    "offer_again_until",
    "old_patch",
    "old_patch_site",
)
PROMPT_FIELDS = ("administration", "position", "prompt", "result", "value", "note", "answered_at", "decision")
SHOWING_FIELDS = (
    "id",
    "user",
    "location",
    "unit",
    "person",
    "prescription",
    "due_dose",
    "prompts",
    "prompt_count",
    "shown_at",
    "source",
    "administration",
)
CORRECTION_FIELDS = ("administration", "reason", "by", "at")
FOLLOW_UP_FIELDS = ("administration", "effect", "note", "recorded_by", "recorded_at")

PRN_CHANCE = 0.25  # of a PRN dose on a given day


def _columns(model: type[Model], names: Sequence[str]) -> list[str]:
    """The columns for ``names``; refuses to run if the model has a field this writer does not fill."""
    concrete = {
        f.name
        for f in model._meta.concrete_fields
        if not (f.primary_key and f.get_internal_type().endswith("AutoField"))
    }
    missing = concrete - set(names)
    if missing:
        raise RuntimeError(f"{model.__name__} has fields the bulk history does not fill: {sorted(missing)}")
    return [str(model._meta.get_field(n).column) for n in names]  # type: ignore[union-attr]


class TableWriter:
    """Writes tuples into a table with the fastest path of the database in use."""

    def __init__(self) -> None:
        self.sqlite = connection.vendor == "sqlite"

    def uuid(self, value: uuid.UUID | None) -> Any:
        if value is None:
            return None
        return value.hex if self.sqlite else value

    def moment(self, value: dt.datetime | None) -> Any:
        if value is None:
            return None
        if self.sqlite:
            return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
        return value

    def day(self, value: dt.date) -> Any:
        return value.isoformat() if self.sqlite else value

    def time(self, value: dt.time) -> Any:
        return value.isoformat() if self.sqlite else value

    def decimal(self, value: Decimal | None) -> Any:
        if value is None:
            return None
        return str(value) if self.sqlite else value

    def write(self, model: type[Model], names: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        table = model._meta.db_table
        columns = _columns(model, names)
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        with connection.cursor() as cursor:
            if self.sqlite:
                marks = ", ".join("?" for _ in columns)
                cursor.cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", rows)  # type: ignore[union-attr]  # noqa: S608
            else:
                with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:  # type: ignore[union-attr]
                    for row in rows:
                        copy.write_row(row)


@dataclass(frozen=True)
class DoseRecord:
    """What a carer records for one dose: what the services would be given for it."""

    outcome: str
    at: dt.datetime  # when it was given, as the carer says (administered_at)
    recorded: dt.datetime  # the server's clock when it was recorded
    reading: Decimal | None = None  # the pulse or glucose reading, where the prescription asks for one
    failed: str = ""  # the prompt that failed and stopped the dose
    reason: str = ""
    dose_given: Decimal | None = None  # None: what the service records when none is sent
    site: str = ""
    prn_reason: str = ""


@dataclass(frozen=True)
class HistoryRates:
    """How often, on a day, a dose is recorded long after it was given (a late entry, 70 to 200 minutes later) and
    a dose is not available (out of stock: an omission). The defaults: never."""

    late_entry: float = 0.0
    not_available: float = 0.0


NO_CHANGE = HistoryRates()


@dataclass
class LocationStaff:
    carers: list[int]  # user ids who record doses
    seniors: list[int]  # user ids who witness controlled drugs (never the recorder)


@dataclass
class HistoryCounts:
    due_doses: int = 0
    administrations: int = 0
    prompt_answers: int = 0
    showings: int = 0
    corrections: int = 0
    follow_ups: int = 0
    pending: int = 0


@dataclass
class _Batch:
    due: list[tuple[Any, ...]] = field(default_factory=list)
    admins: list[tuple[Any, ...]] = field(default_factory=list)
    prompts: list[tuple[Any, ...]] = field(default_factory=list)
    showings: list[tuple[Any, ...]] = field(default_factory=list)
    corrections: list[tuple[Any, ...]] = field(default_factory=list)
    follow_ups: list[tuple[Any, ...]] = field(default_factory=list)
    now_recorded: list[Any] = field(default_factory=list)  # existing pending due doses that history records


class HistoryWriter:
    def __init__(
        self,
        *,
        rng: random.Random,
        staff: dict[Any, LocationStaff],
        cutoffs: dict[Any, dt.datetime],
        horizon_end: dt.datetime,
        rates: Callable[[dt.date], HistoryRates] | None = None,
    ) -> None:
        self.rng = rng
        self.rates = rates or (lambda _day: NO_CHANGE)
        self.staff = staff
        self.cutoffs = cutoffs
        self.horizon_end = horizon_end
        self.w = TableWriter()
        self.counts = HistoryCounts()
        self.batch = _Batch()
        self._prompt_cache: dict[tuple[str, str, str], list[tuple[str, str, str, bool]]] = {}
        self._schedules: dict[Any, rules.Schedule] = {}
        self._site_turn: dict[Any, int] = {}
        self._prn_history: dict[Any, list[rules.PrnDose]] = {}
        self._reasons_checked: set[tuple[str, str]] = set()
        self.late_entry = dt.timedelta(minutes=settings.CAREBOOK["LATE_ENTRY_MINUTES"])
        self.offer_again_minutes: int | None = settings.CAREBOOK["OFFER_AGAIN_MINUTES"]
        self._last_site: dict[Any, str] = {}

    # --- the prompts a carer answers ---
    def _prompt_plan(self, check: str, outcome: str, failed: str) -> list[tuple[str, str, str, bool]]:
        key = (check, outcome, failed)
        plan = self._prompt_cache.get(key)
        if plan is None:
            plan = []
            if outcome in (Outcome.ASLEEP, Outcome.NAUSEA_VOMITING):
                plan = [("right_person", "confirmed", "", False)]
            else:
                for prompt in rules.prompts_for(check):
                    reading = prompt in rules.READING_PROMPTS
                    if prompt == failed:
                        plan.append((prompt, "failed", "Declined." if prompt == "consent" else "Below limit.", reading))
                        break
                    plan.append((prompt, "confirmed", "", reading))
            rules.check_prompt_answers(
                required=rules.prompts_for(check),
                answers=[rules.Answer(p, r, Decimal("70") if reading else None, note) for p, r, note, reading in plan],
                outcome=outcome,
                taken=outcome in TAKEN_OUTCOMES,
            )
            self._prompt_cache[key] = plan
        return plan

    def prompt_answers(self, check: str, outcome: str, failed: str, reading: Decimal | None) -> list[rules.Answer]:
        """The answers this writer records, as the services would be sent them."""
        return [
            rules.Answer(p, r, reading if is_reading else None, note)
            for p, r, note, is_reading in self._prompt_plan(check, outcome, failed)
        ]

    def _add_admin(
        self,
        *,
        rx: Prescription,
        due_id: uuid.UUID | None,
        dose: DoseRecord,
        status: str = Administration.Status.COMPLETED,
        corrects: uuid.UUID | None = None,
        closes_at: dt.datetime | None = None,
    ) -> tuple[uuid.UUID, int]:
        """One record, as the service writes it. A due dose refused or asleep waits to be offered again (ADR 0034):
        ``closes_at``, the end of its window, says by when (the rules' own function)."""
        w, b = self.w, self.batch
        staff = self.staff[rx.person.location_id]
        recorder = self.rng.choice(staff.carers)
        outcome = dose.outcome
        taken = outcome in TAKEN_OUTCOMES
        witness = None
        if rx.medicine.needs_witness and outcome in rules.WITNESSED_OUTCOMES:
            witness = next(s for s in staff.seniors if s != recorder)
        dose_given = dose.dose_given if taken else None
        if dose_given is None and outcome == Outcome.GIVEN and not rx.is_variable_dose:
            dose_given = rx.dose_min  # the service's default for a fixed dose
        # The rules' own checks: a record the services would refuse is never written.
        rules.check_witness(needs_witness=rx.medicine.needs_witness, outcome=outcome, has_witness=witness is not None)
        reason_key = (outcome, dose.reason)
        if reason_key not in self._reasons_checked:
            rules.check_reason(outcome=outcome, taken=taken, reason=dose.reason)
            self._reasons_checked.add(reason_key)
        if taken:
            rules.check_dose_quantity(
                outcome=outcome, dose_given=dose_given, dose_min=rx.dose_min, dose_max=rx.dose_max
            )
        late_entry = dose.recorded - dose.at > self.late_entry
        until = None
        if due_id is not None and outcome in OFFER_AGAIN_OUTCOMES and status == Administration.Status.COMPLETED:
            assert closes_at is not None
            status = Administration.Status.OFFER_AGAIN
            until = rules.offer_again_until(
                closes_at=closes_at,
                refused_at=dose.at,
                window=rules.dose_window(rx.medicine.time_critical),
                minutes=self.offer_again_minutes,
            )
        old_site = ""  # a new patch: the old one taken off its site, as the service records it (rules.sites)
        if taken and dose.site and rx.medicine.form == Medicine.Form.PATCH:
            old_site = self._last_site.get(rx.pk, "")
            self._last_site[rx.pk] = dose.site
        admin_id = uuid.uuid4()
        b.admins.append(
            (
                w.uuid(admin_id),
                w.uuid(due_id),
                w.uuid(rx.pk),
                w.uuid(rx.person_id),
                w.uuid(rx.person.location_id),
                outcome,
                dose.reason,
                w.decimal(dose_given),
                rx.dose_unit if dose_given is not None else "",
                w.moment(dose.at),
                w.moment(dose.recorded),
                recorder,
                late_entry,
                witness,
                w.moment(dose.recorded) if witness else None,
                dose.site,
                "",
                dose.prn_reason if taken else "",
                None,
                status,
                w.uuid(corrects),
                0,  # minutes late: every offset above stays inside the dose window
                w.moment(until) if until is not None else None,
                OldPatch.REMOVED if old_site else "",
                old_site,
            )
        )
        stamp = w.moment(dose.recorded)
        admin_ref = w.uuid(admin_id)
        # What each reading decided under the prescriber's limits: the rules' own function (rules/readings.py).
        decisions = rules.check_readings(
            rx.reading_rule,
            self.prompt_answers(rx.effective_check, outcome, dose.failed, dose.reading),
            taken=outcome in TAKEN_OUTCOMES,
        )
        for position, (prompt, result, note, reading_prompt) in enumerate(
            self._prompt_plan(rx.effective_check, outcome, dose.failed)
        ):
            value = w.decimal(dose.reading) if reading_prompt else None
            b.prompts.append((admin_ref, position, prompt, result, value, note, stamp, decisions.get(prompt, "")))
        shown = rules.prompts_for(rx.effective_check)
        b.showings.append(
            (
                w.uuid(uuid.uuid4()),
                recorder,
                w.uuid(rx.person.location_id),
                w.uuid(rx.person.unit_id),
                w.uuid(rx.person_id),
                w.uuid(rx.pk),
                w.uuid(due_id),
                ",".join(shown),
                len(shown),
                stamp,
                PromptShowing.Source.RECORDED,
                admin_ref,
            )
        )
        self.counts.administrations += 1
        return admin_id, recorder

    def record_due(self, rx: Prescription, due_id: uuid.UUID, dose: DoseRecord) -> uuid.UUID:
        """Record an existing pending due dose (one the services generated): the record, and the dose
        marked recorded (unless refused or asleep: it then waits to be offered again)."""
        closes_at = DueDose.objects.values_list("window_closes_at", flat=True).get(pk=due_id)
        admin_id, _ = self._add_admin(rx=rx, due_id=due_id, dose=dose, closes_at=closes_at)
        if dose.outcome not in OFFER_AGAIN_OUTCOMES:
            self.batch.now_recorded.append(due_id)
        return admin_id

    # --- one day of one prescription ---
    def add_day(
        self,
        rx: Prescription,
        day: dt.date,
        existing: dict[tuple[dt.date, dt.time], tuple[Any, str]],
    ) -> None:
        if rx.is_prn:
            self._prn_day(rx, day)
            return
        schedule = self._schedules.get(rx.pk)
        if schedule is None:
            schedule = self._schedules[rx.pk] = rx.schedule
        if not rules.schedule_occurs_on(schedule, day):
            return
        day_start = max(clock.local_wall_time(day, dt.time(0, 0)), rx.entered_at)
        day_end = min(clock.local_wall_time(day + dt.timedelta(days=1), dt.time(0, 0)), self.horizon_end)
        for slot in rules.scheduled_slots(schedule, day_start, day_end):
            if slot.local_date == day:
                self._slot(rx, slot, existing)

    def _slot(
        self, rx: Prescription, slot: rules.Slot, existing: dict[tuple[dt.date, dt.time], tuple[Any, str]]
    ) -> None:
        w, b, rng = self.w, self.batch, self.rng
        cutoff = self.cutoffs[rx.person.location_id]
        medicine: Medicine = rx.medicine
        critical = medicine.time_critical
        check = rx.effective_check
        offset = rng.gauss(6, 10)
        offset = min(max(offset, -10), 25) if critical else min(max(offset, -25), 50)
        at = slot.scheduled_at + dt.timedelta(minutes=offset)
        rules.check_not_too_early(slot.scheduled_at, at, critical)
        found = existing.get((slot.local_date, slot.local_time))
        due_id = found[0] if found else uuid.uuid4()
        recorded = at < cutoff
        if found is None:
            b.due.append(
                (
                    w.uuid(due_id),
                    w.uuid(rx.pk),
                    w.uuid(rx.person_id),
                    w.uuid(rx.person.location_id),
                    w.moment(slot.scheduled_at),
                    w.day(slot.local_date),
                    w.time(slot.local_time),
                    DueDose.State.RECORDED if recorded else DueDose.State.PENDING,
                    None,
                    "",
                    *(w.moment(bound) for bound in rules.window_bounds(slot.scheduled_at, critical)),
                    None,  # its corrected records are re-recorded here at once: never left reopened
                    None,  # the history gives every dose at its own time: none moved by a late dose
                )
            )
            self.counts.due_doses += 1
        elif recorded:
            b.now_recorded.append(due_id)
        if not recorded:
            self.counts.pending += 1
            return
        reading: Decimal | None = None
        outcome, failed, reason = Outcome.GIVEN, "", ""
        if check == "pulse":
            pulse = rng.randrange(56, 96)
            reading = Decimal(pulse)
            if pulse < 60:
                outcome, failed, reason = Outcome.NOT_REQUIRED, "pulse", f"Pulse {pulse}: withheld, GP told."
        elif check == "blood_glucose":
            reading = Decimal(rng.randrange(50, 135)) / 10
        roll = rng.random()
        if outcome == Outcome.GIVEN:
            if roll < 0.03:
                outcome, failed, reason = Outcome.REFUSED, "consent", "Refused. Will offer again."
            elif roll < 0.04:
                outcome, reason = Outcome.ASLEEP, "Asleep. Offered when awake."
            elif roll < 0.045:
                outcome, reason = Outcome.NAUSEA_VOMITING, "Felt sick."
        rates = self.rates(slot.local_date)
        if outcome == Outcome.GIVEN and rates.not_available and rng.random() < rates.not_available:
            outcome, reason = Outcome.NOT_AVAILABLE, "Not in stock: reordered from the pharmacy."
        dose = rx.dose_max if rx.is_variable_dose and roll > 0.5 else rx.dose_min
        site = self._site(rx) if outcome == Outcome.GIVEN else ""
        recorded_at = at + dt.timedelta(seconds=rng.randrange(5, 90))
        if rates.late_entry and rng.random() < rates.late_entry and at + dt.timedelta(minutes=200) < cutoff:
            recorded_at = at + dt.timedelta(minutes=rng.randrange(70, 200))  # written up at the end of the round
        record = DoseRecord(
            outcome=outcome,
            at=at,
            recorded=recorded_at,
            reading=reading,
            failed=failed,
            reason=reason,
            dose_given=dose,
            site=site,
        )
        closes_at = rules.window_bounds(slot.scheduled_at, critical)[1]
        offered_again = False
        if outcome in OFFER_AGAIN_OUTCOMES:
            # Offered again halfway to the end of its window (so inside it): taken, or refused for good (ADR 0034).
            again = at + (closes_at - at) / 2
            again_recorded = max(again + dt.timedelta(seconds=rng.randrange(5, 90)), record.recorded + MINUTE)
            if again_recorded >= cutoff:  # no time left before the history ends: taken at the first offer
                record = dataclasses.replace(record, outcome=Outcome.GIVEN, failed="", reason="", site=self._site(rx))
            else:
                self._add_admin(rx=rx, due_id=due_id, dose=record, closes_at=closes_at)
                offered_again = True
                took = rng.random() < 0.6
                record = DoseRecord(
                    outcome=Outcome.GIVEN if took else Outcome.REFUSED_NOT_OFFERED_AGAIN,
                    at=again,
                    recorded=again_recorded,
                    reading=reading,
                    failed="" if took else "consent",
                    reason="" if took else "Refused again when offered later.",
                    dose_given=dose,
                    site=self._site(rx) if took else "",
                )
        if outcome == Outcome.GIVEN and roll > 0.998 and not medicine.needs_witness and not offered_again:
            # A mistake, corrected: the first record entered in error, the refusal recorded after it.
            wrong, _ = self._add_admin(rx=rx, due_id=due_id, dose=record, status=Administration.Status.ENTERED_IN_ERROR)
            senior = self.staff[rx.person.location_id].seniors[0]
            b.corrections.append(
                (w.uuid(wrong), "Recorded on the wrong row.", senior, w.moment(at + dt.timedelta(minutes=5)))
            )
            self.counts.corrections += 1
            again = at + dt.timedelta(minutes=6)
            self._add_admin(
                rx=rx,
                due_id=due_id,
                dose=DoseRecord(
                    outcome=Outcome.REFUSED_NOT_OFFERED_AGAIN,
                    at=again,
                    recorded=again + dt.timedelta(seconds=rng.randrange(5, 90)),
                    reading=reading,
                    failed="consent",
                    reason="Refused (corrected record): will not offer again.",
                ),
                corrects=wrong,
            )
            return
        self._add_admin(rx=rx, due_id=due_id, dose=record)

    def _site(self, rx: Prescription) -> str:
        """The next site of a patch or an injection, in turn (nothing for other medicines)."""
        medicine = rx.medicine
        if medicine.is_topical:  # a cream: where it is prescribed (all its areas)
            return rules.sites.applied_choices(rx.apply_to)[0]
        if not medicine.site_recorded:
            return ""
        sites = rules.sites.sites_for(medicine.form)  # the body map, in turn: never the last site
        turn = self._site_turn.get(rx.pk, self.rng.randrange(len(sites)))
        self._site_turn[rx.pk] = turn + 1
        return sites[turn % len(sites)]

    def _prn_day(self, rx: Prescription, day: dt.date) -> None:
        rng, w, b = self.rng, self.w, self.batch
        if rng.random() >= PRN_CHANCE:
            return
        cutoff = self.cutoffs[rx.person.location_id]
        at = clock.local_wall_time(day, dt.time(rng.randrange(8, 21), rng.randrange(60)))
        if at <= rx.entered_at or at + dt.timedelta(hours=1) >= cutoff:
            return
        assert rx.prn_min_interval_minutes is not None and rx.prn_max_quantity_24h is not None
        dose = rx.dose_min if rng.random() < 0.6 else rx.dose_max
        history = self._prn_history.setdefault(rx.pk, [])
        recent = [d for d in history if d.at > at - dt.timedelta(hours=48)]
        allowed = rules.prn_next_allowed(
            history=recent,
            now=at,
            quantity=dose,
            min_interval=dt.timedelta(minutes=rx.prn_min_interval_minutes),
            max_24h=rx.prn_max_quantity_24h,
        )
        if allowed is not None:
            return
        history.append(rules.PrnDose(at=at, quantity=dose))
        admin_id, recorder = self._add_admin(
            rx=rx,
            due_id=None,
            dose=DoseRecord(
                outcome=Outcome.GIVEN,
                at=at,
                recorded=at + dt.timedelta(seconds=rng.randrange(5, 90)),
                dose_given=dose,
                prn_reason="Asked for it: in pain.",
                reading=Decimal("70") if rx.effective_check else None,
            ),
        )
        follow = at + dt.timedelta(minutes=rng.randrange(30, 61))
        b.follow_ups.append((w.uuid(admin_id), "effective", "Comfortable.", recorder, w.moment(follow)))
        self.counts.follow_ups += 1

    # --- writing ---
    def pending_rows(self) -> int:
        return len(self.batch.prompts)

    def flush(self) -> None:
        w, b = self.w, self.batch
        w.write(DueDose, DUE_FIELDS, b.due)
        if b.now_recorded:
            for start in range(0, len(b.now_recorded), 500):
                chunk = b.now_recorded[start : start + 500]
                DueDose.objects.filter(pk__in=chunk).update(state=DueDose.State.RECORDED)
        w.write(Administration, ADMIN_FIELDS, b.admins)
        w.write(PromptAnswer, PROMPT_FIELDS, b.prompts)
        w.write(PromptShowing, SHOWING_FIELDS, b.showings)
        w.write(AdministrationCorrection, CORRECTION_FIELDS, b.corrections)
        w.write(PrnFollowUp, FOLLOW_UP_FIELDS, b.follow_ups)
        self.counts.prompt_answers += len(b.prompts)
        self.counts.showings += len(b.showings)
        self.batch = _Batch()


def write_history(
    prescriptions: Iterable[Prescription],
    *,
    rng: random.Random,
    staff: dict[Any, LocationStaff],
    cutoffs: dict[Any, dt.datetime],
    horizon_end: dt.datetime,
    rates: Callable[[dt.date], HistoryRates] | None = None,
    flush_every: int = 200_000,
) -> HistoryCounts:
    """Write the history of ``prescriptions`` (with medicine and person joined), a day at a time, so rows land
    in the order a live database would have them. Call inside a transaction."""
    prescriptions = list(prescriptions)
    existing: dict[Any, dict[tuple[dt.date, dt.time], tuple[Any, str]]] = {}
    for dose_id, rx_id, day, time, state in DueDose.objects.filter(
        prescription_id__in=[rx.pk for rx in prescriptions]
    ).values_list("id", "prescription_id", "local_date", "local_time", "state"):
        existing.setdefault(rx_id, {})[(day, time)] = (dose_id, state)
    writer = HistoryWriter(rng=rng, staff=staff, cutoffs=cutoffs, horizon_end=horizon_end, rates=rates)
    day = min(clock.to_local(rx.entered_at).date() for rx in prescriptions)
    last = clock.to_local(horizon_end).date()
    while day <= last:
        for rx in prescriptions:
            writer.add_day(rx, day, existing.get(rx.pk, {}))
        if writer.pending_rows() >= flush_every:
            writer.flush()
        day += dt.timedelta(days=1)
    writer.flush()
    return writer.counts
