"""Prescription workflows: enter, change (new version), check, suspend, resume, discontinue.

A course ("for 7 days") is counted in doses (``rules.course``, ADR 0020): entering one stores how many doses
it gives and its first and last dose, and its end date is the day of the last dose. Changing a course keeps
the count going: the new version gives the doses the course has left (a new course length starts a new
count). A when-required course, and every other end date, keeps its calendar meaning.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from carebook.access.models import User
from carebook.access.policy import Action, require
from carebook.audit_log.services import record_event, snapshot
from carebook.core import clock
from carebook.core.errors import Conflict, PermissionDenied, ValidationFailed
from carebook.core.events import announce
from carebook.core.text import minutes_text
from carebook.medication import rules
from carebook.medication.audit import MedicationAudit
from carebook.medication.events import PrescriptionChange, PrescriptionChanged
from carebook.medication.facts import sent_back
from carebook.medication.locks import lock_person, lock_person_for_prescription
from carebook.medication.models import (
    DueDose,
    Medicine,
    Prescription,
    PrescriptionEvent,
    PrescriptionStatus,
    RequiredCheck,
    ScheduleKind,
    Source,
    TranscriptionCheck,
)
from carebook.medication.services.allergies import allergy_status_refusal, record_decisions
from carebook.medication.services.doses import due_doses_generate, due_doses_withdraw_future, horizon_end
from carebook.medication.vocab import ApplyHow
from carebook.people.models import Person

MAX_DOSE = Decimal("100000")


@dataclass
class PrescriptionInput:
    """What a prescriber's directions say, as entered. Validated by ``clean``."""

    medicine_id: int
    dose_min: Any
    dose_max: Any = None
    route: str = ""
    directions: str = ""
    schedule_kind: str = ScheduleKind.FIXED_TIMES
    times: list[str] = field(default_factory=list)
    days_of_week: list[int] = field(default_factory=list)
    interval_days: int | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    course_days: int | None = None
    min_gap_minutes: int | None = None
    site_gap: int | None = None  # a patch or an injection: no site again within this many applications (rules.sites)
    dose_from_instructions: bool = False  # the dose of each day from the clinic's instructions (warfarin, ADR 0037)
    apply_to: list[str] = field(default_factory=list)  # a cream or an ointment: its body areas (rules.sites)
    apply_how: str = ""  # a cream or an ointment: how thickly (vocab.ApplyHow)
    prn_min_interval_minutes: int | None = None
    prn_max_quantity_24h: Any = None
    indication: str = ""
    instructions: str = ""
    required_check: str = ""
    prescriber: str = ""
    source: str = Source.GP
    # The prescriber's limits for the reading (ADR 0017): see _clean_reading_limits.
    reading_below: Any = None
    reading_below_action: str = ""
    reading_above: Any = None
    reading_above_action: str = ""
    reading_plan: str = ""


def _decimal(value: Any, field_name: str, label: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed(f"{label} must be a number, like 1 or 2.5.", field=field_name) from None
    if not number.is_finite() or number <= 0:
        raise ValidationFailed(f"{label} must be more than zero.", field=field_name)
    if number >= MAX_DOSE or number.as_tuple().exponent < -3:  # type: ignore[operator]
        raise ValidationFailed(f"{label} must be under 100,000 with at most 3 decimal places.", field=field_name)
    return number


def _whole_number(value: Any, field_name: str, label: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationFailed(f"{label} must be a whole number.", field=field_name) from None
    return number


def _clean(data: PrescriptionInput, *, today: dt.date) -> dict[str, Any]:
    medicine_id = str(data.medicine_id).strip()
    is_id = medicine_id.isascii() and medicine_id.isdigit() and len(medicine_id) < 12
    medicine = Medicine.objects.filter(pk=int(medicine_id)).first() if is_id else None
    if medicine is None:
        raise ValidationFailed("Choose a medicine from the list.", field="medicine_id")
    if data.schedule_kind not in ScheduleKind.values:
        raise ValidationFailed("Choose how often it is given.", field="schedule_kind")
    if data.source not in Source.values:
        raise ValidationFailed("Say where the prescription came from.", field="source")
    if data.required_check not in RequiredCheck.values:
        raise ValidationFailed("Choose a check from the list, or none.", field="required_check")
    dose_min = _decimal(data.dose_min, "dose_min", "The dose")
    dose_max = dose_min if data.dose_max in (None, "") else _decimal(data.dose_max, "dose_max", "The largest dose")
    if dose_max < dose_min:
        raise ValidationFailed("The largest dose cannot be less than the smallest.", field="dose_max")
    directions = data.directions.strip()
    if not directions:
        raise ValidationFailed("Copy the prescriber's directions exactly as written.", field="directions")
    prescriber = data.prescriber.strip()
    if not prescriber:
        raise ValidationFailed("Name the prescriber (or the GP who authorised the homely remedy).", field="prescriber")
    start = data.start_date or today
    if start < today - dt.timedelta(days=366):
        raise ValidationFailed("The start date is more than a year ago.", field="start_date")
    if start > today + dt.timedelta(days=366):
        raise ValidationFailed("The start date is more than a year ahead.", field="start_date")
    if data.end_date is not None and data.end_date > start + dt.timedelta(days=10 * 366):
        raise ValidationFailed("The end date is more than ten years after the start.", field="end_date")
    course_days = _whole_number(data.course_days, "course_days", "The course length")
    if course_days is not None and data.end_date is not None:
        raise ValidationFailed("Give either an end date or a course length, not both.", field="course_days")
    end = data.end_date
    if course_days is not None:
        if not 1 <= course_days <= 366:
            raise ValidationFailed("A course is between 1 and 366 days.", field="course_days")
        if data.schedule_kind == ScheduleKind.PRN:
            # A when-required medicine has no doses to count: its course is days on the calendar.
            end = start + dt.timedelta(days=course_days - 1)
    if end is not None and end < start:
        raise ValidationFailed("The end date is before the start date.", field="end_date")

    kind = data.schedule_kind
    times: tuple[dt.time, ...] = ()
    days: list[int] = []
    interval = None
    prn_interval = None
    prn_max = None
    if kind == ScheduleKind.PRN:
        if not data.indication.strip():
            raise ValidationFailed("Say what a when-required medicine is for (its indication).", field="indication")
        prn_interval = _whole_number(
            data.prn_min_interval_minutes, "prn_min_interval_minutes", "The time between doses (minutes)"
        )
        if prn_interval is None:
            raise ValidationFailed("Give the shortest time allowed between doses.", field="prn_min_interval_minutes")
        if not 1 <= prn_interval <= 7 * 24 * 60:
            raise ValidationFailed(
                "The time between doses must be between 1 minute and 7 days.", field="prn_min_interval_minutes"
            )
        if data.prn_max_quantity_24h in (None, ""):
            raise ValidationFailed("Give the most that may be given in 24 hours.", field="prn_max_quantity_24h")
        prn_max = _decimal(data.prn_max_quantity_24h, "prn_max_quantity_24h", "The 24-hour maximum")
        if prn_max < dose_min:
            raise ValidationFailed("The 24-hour maximum is less than one dose.", field="prn_max_quantity_24h")
        if data.times:
            raise ValidationFailed("A when-required medicine has no set times.", field="times")
    else:
        times = rules.parse_times(data.times)
        if not times:
            raise ValidationFailed("Add at least one time of day, like 08:00.", field="times")
        if len(times) > 12:
            raise ValidationFailed("At most 12 times a day.", field="times")
        if kind == ScheduleKind.DAYS_OF_WEEK:
            try:
                days = sorted({int(d) for d in data.days_of_week})
            except (TypeError, ValueError):
                raise ValidationFailed("Choose the days of the week.", field="days_of_week") from None
            if not days or any(d < 0 or d > 6 for d in days):
                raise ValidationFailed("Choose at least one day of the week.", field="days_of_week")
        if kind == ScheduleKind.EVERY_N_DAYS:
            interval = _whole_number(data.interval_days, "interval_days", "Every how many days")
            if interval is None or not 1 <= interval <= 366:
                raise ValidationFailed(
                    "Say every how many days (1 to 366): 7 for weekly, 3 for a 72-hour patch.", field="interval_days"
                )
    min_gap = _min_gap(data, kind=kind, times=times, days=days, interval=interval, start=start)
    return {
        "medicine": medicine,
        "dose_min": dose_min,
        "dose_max": dose_max,
        "dose_unit": medicine.dose_unit,
        "route": data.route.strip() or medicine.default_route,
        "directions": directions,
        "indication": data.indication.strip(),
        "instructions": data.instructions.strip(),
        "required_check": data.required_check,
        "schedule_kind": kind,
        "times": [t.strftime("%H:%M") for t in times],
        "days_of_week": days,
        "interval_days": interval,
        "start_date": start,
        "end_date": end,
        "course_days": course_days,
        "min_gap_minutes": min_gap,
        "site_gap": _site_gap(data, medicine),
        "dose_from_instructions": _from_instructions(data),
        **_topical(data, medicine),
        "prn_min_interval_minutes": prn_interval,
        "prn_max_quantity_24h": prn_max,
        "prescriber": prescriber,
        "source": data.source,
        **_clean_reading_limits(data, medicine),
    }


def _reading_limit(value: Any, field_name: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationFailed("A limit must be a number, like 60 or 4.5.", field=field_name) from None
    if not number.is_finite():
        raise ValidationFailed("A limit must be a number, like 60 or 4.5.", field=field_name)
    return number


def _clean_reading_limits(data: PrescriptionInput, medicine: Medicine) -> dict[str, Any]:
    """The prescriber's limits for the reading, checked whole (rules.check_rule).

    Limits apply to the reading the prescription asks for; when it is the medicine's (digoxin asks for a
    pulse), the prescription names it, so the row itself says which reading its limits are for.
    """
    below = _reading_limit(data.reading_below, "reading_below")
    above = _reading_limit(data.reading_above, "reading_above")
    check = data.required_check
    if (below is not None or above is not None) and not check:
        check = medicine.required_check
    rule = rules.ReadingRule(
        check=check,
        below=below,
        below_action=(data.reading_below_action or "").strip(),
        above=above,
        above_action=(data.reading_above_action or "").strip(),
        plan=(data.reading_plan or "").strip(),
    )
    rules.check_rule(rule)
    if not rule.has_limits:
        return {}
    return {
        "required_check": check,
        "reading_below": below,
        "reading_below_action": rule.below_action,
        "reading_above": above,
        "reading_above_action": rule.above_action,
        "reading_plan": rule.plan,
    }


def _topical(data: PrescriptionInput, medicine: Medicine) -> dict[str, Any]:
    """A cream or an ointment: where it goes (areas of the list) and how thickly; nothing for any other form."""
    areas, unknown = rules.sites.clean_areas(list(data.apply_to or []))
    if not medicine.is_topical:
        if areas or unknown or data.apply_how:
            raise ValidationFailed(
                "Only a cream or an ointment has areas to apply it to: leave these blank.", field="apply_to"
            )
        return {"apply_to": [], "apply_how": ""}
    if unknown:
        raise ValidationFailed(f"Choose the areas from the list ({unknown[0]!r} is not one).", field="apply_to")
    how = data.apply_how or ""
    if how and how not in ApplyHow.values:
        raise ValidationFailed("Choose how thickly it goes on from the list.", field="apply_how")
    return {"apply_to": areas, "apply_how": how}


def _from_instructions(data: PrescriptionInput) -> bool:
    if not data.dose_from_instructions:
        return False
    if data.schedule_kind == ScheduleKind.PRN:
        raise ValidationFailed(
            "A when-required medicine is not dosed by a clinic's instructions: choose set times.",
            field="dose_from_instructions",
        )
    return True


def _site_gap(data: PrescriptionInput, medicine: Medicine) -> int | None:
    """The site rotation of a patch or an injection (rules.sites), if the prescriber set one (blank: not the last)."""
    gap = _whole_number(data.site_gap, "site_gap", "The applications before a site is used again")
    if gap is None:
        return None
    if not medicine.site_recorded:
        raise ValidationFailed("Only a patch or an injection rotates its site: leave this blank.", field="site_gap")
    if not 1 <= gap <= rules.sites.MAX_SITE_GAP:
        raise ValidationFailed(
            f"A site may rest for 1 to {rules.sites.MAX_SITE_GAP} applications (there must be a site left).",
            field="site_gap",
        )
    return gap


def _min_gap(
    data: PrescriptionInput,
    *,
    kind: str,
    times: tuple[dt.time, ...],
    days: list[int],
    interval: int | None,
    start: dt.date,
) -> int | None:
    """The least time between a late dose and the next, if the prescriber set one (blank: half the interval)."""
    gap = _whole_number(data.min_gap_minutes, "min_gap_minutes", "The least time before the next dose (minutes)")
    if gap is None:
        return None
    if kind == ScheduleKind.PRN:
        raise ValidationFailed(
            "A when-required medicine has its own time between doses: leave this blank.", field="min_gap_minutes"
        )
    if not 1 <= gap <= 7 * 24 * 60:
        raise ValidationFailed(
            "The least time before the next dose must be 1 minute to 7 days.", field="min_gap_minutes"
        )
    schedule = rules.Schedule(
        kind=kind, times=times, start_date=start, days_of_week=frozenset(days), interval_days=interval
    )
    shortest = rules.shortest_interval(schedule)
    if shortest is not None and dt.timedelta(minutes=gap) >= shortest:
        raise ValidationFailed(
            f"The least time before the next dose must be shorter than the time between doses "
            f"({minutes_text(int(shortest.total_seconds() // 60))}): otherwise no dose could be given on time.",
            field="min_gap_minutes",
        )
    return gap


def _course(values: dict[str, Any], *, now: dt.datetime, old: Prescription | None = None) -> dict[str, Any]:
    """Count a course in doses (ADR 0020): its doses, first and last, and the end date (the last dose's day).

    A change that keeps the course length continues the count of ``old``: the new version gives the doses it
    has left, from its first slot still open now (after any dose of the old one recorded in its window).
    """
    days = values["course_days"]
    if days is None or values["schedule_kind"] == ScheduleKind.PRN:
        return {}
    medicine: Medicine = values["medicine"]
    window = rules.dose_window(medicine.time_critical)
    schedule = rules.Schedule(
        kind=values["schedule_kind"],
        times=tuple(dt.time.fromisoformat(t) for t in values["times"]),
        start_date=values["start_date"],
        days_of_week=frozenset(values["days_of_week"]),
        interval_days=values["interval_days"],
    )
    if old is not None and old.is_counted_course and old.course_days == days:
        assert old.course_doses is not None
        recorded = list(
            DueDose.objects.filter(
                prescription=old, state=DueDose.State.RECORDED, window_closes_at__gte=now
            ).values_list("scheduled_at", "local_date", "local_time")
        )
        spent = rules.doses_spent(
            old.schedule,
            at=now,
            window=rules.dose_window(old.medicine.time_critical),
            recorded_open=[clock.local_wall_time(day, time) for _at, day, time in recorded],
        )
        course = rules.course_continued(
            schedule,
            remaining=old.course_doses - spent,
            starts_at=now,
            window=window,
            after=max((at for at, _day, _time in recorded), default=None),
        )
        if course is None:
            raise ValidationFailed(
                f"This course has had all its {old.course_doses} doses. To give more, enter a new course length "
                "(a new course counts from now); to stop it, discontinue it.",
                field="course_days",
            )
    else:
        course = rules.course_of_days(schedule, days=days, starts_at=now, window=window)
        if course is None:
            raise ValidationFailed("This schedule gives no dose to count the course from.", field="course_days")
    return {
        "course_doses": course.doses,
        "course_first_dose_at": course.first.scheduled_at,
        "course_last_dose_at": course.last.scheduled_at,
        "end_date": course.last.local_date,
    }


def _event(prescription: Prescription, kind: str, by: User, at: dt.datetime, reason: str = "") -> None:
    PrescriptionEvent.objects.create(prescription=prescription, kind=kind, by=by, at=at, reason=reason)


def _set_status(
    prescription: Prescription, status: str, by: User, at: dt.datetime, action: MedicationAudit, reason: str
) -> None:
    before = prescription.status
    prescription.status = status
    prescription.save(update_fields=["status"])
    record_event(
        actor=by,
        action=action,
        entity=prescription,
        location=prescription.person.location,
        before={"status": before},
        after={"status": status, "reason": reason},
        at=at,
    )


def prescription_create(*, person: Person, by: User, data: PrescriptionInput, allergy_reason: str = "") -> Prescription:
    """Enter a prescription. ``allergy_reason``: a senior's reason to go on despite an allergy finding (ADR 0022),
    recorded with it; without one, a matching prescription's doses are held until a senior decides."""
    require(by, Action.MANAGE_PRESCRIPTIONS)
    now = clock.now()
    values = _clean(data, today=clock.to_local(now).date())
    values.update(_course(values, now=now))
    with transaction.atomic():
        lock_person(person.pk)
        prescription = Prescription.objects.create(person=person, entered_by=by, entered_at=now, **values)
        _event(prescription, PrescriptionEvent.Kind.CREATED, by, now)
        record_event(
            actor=by,
            action=MedicationAudit.PRESCRIPTION_CREATED,
            entity=prescription,
            location=person.location,
            after=snapshot(prescription),
            at=now,
        )
        announce(PrescriptionChanged.of(prescription, PrescriptionChange.CREATED, by=by, at=now))
        if allergy_reason.strip():
            record_decisions(prescription, by=by, reason=allergy_reason)
        due_doses_generate(prescription=prescription, end=horizon_end(now))
    return prescription


def _lock_active(prescription: Prescription, action: str) -> Prescription:
    """Lock the prescription's person (``medication.locks``) and check ``action`` is allowed in its status."""
    locked = lock_person_for_prescription(prescription.pk)
    if locked.status not in rules.statuses_allowing(action):
        raise Conflict(f"This prescription is {locked.get_status_display().lower()}.", field="status")
    return locked


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Give the reason, as the prescriber or pharmacist gave it.", field="reason")
    return reason


def prescription_change(
    *, prescription: Prescription, by: User, data: PrescriptionInput, reason: str, allergy_reason: str = ""
) -> Prescription:
    """A new version replaces the old; the old stays in the history. Needs a new transcription check, and a new
    allergy decision where it matches an allergy (``allergy_reason``, as for ``prescription_create``)."""
    require(by, Action.MANAGE_PRESCRIPTIONS)
    reason = _require_reason(reason)
    now = clock.now()
    values = _clean(data, today=clock.to_local(now).date())
    with transaction.atomic():
        old = _lock_active(prescription, "change")
        values.update(_course(values, now=now, old=old))
        was_suspended = old.status == PrescriptionStatus.SUSPENDED
        _set_status(old, PrescriptionStatus.SUPERSEDED, by, now, MedicationAudit.PRESCRIPTION_SUPERSEDED, reason)
        _event(old, PrescriptionEvent.Kind.CHANGED, by, now, reason)
        due_doses_withdraw_future(prescription=old, by=by, reason="Prescription changed", now=now)
        # A change does not lift a hold: a suspended prescription's new version stays suspended
        # (no doses) until someone resumes it with a reason.
        status = PrescriptionStatus.SUSPENDED if was_suspended else PrescriptionStatus.ACTIVE
        new = Prescription.objects.create(
            person=old.person, supersedes=old, entered_by=by, entered_at=now, status=status, **values
        )
        _event(new, PrescriptionEvent.Kind.CREATED, by, now, reason)
        if was_suspended:
            _event(new, PrescriptionEvent.Kind.SUSPENDED, by, now, "Still suspended: changed while on hold")
        record_event(
            actor=by,
            action=MedicationAudit.PRESCRIPTION_CREATED,
            entity=new,
            location=old.person.location,
            before=snapshot(old),
            after=snapshot(new),
            at=now,
        )
        announce(PrescriptionChanged.of(new, PrescriptionChange.NEW_VERSION, by=by, at=now))
        if allergy_reason.strip():
            record_decisions(new, by=by, reason=allergy_reason)
        due_doses_generate(prescription=new, end=horizon_end(now))
    return new


def prescription_check_transcription(*, prescription: Prescription, by: User, note: str = "") -> TranscriptionCheck:
    require(by, Action.CHECK_TRANSCRIPTION)
    now = clock.now()
    with transaction.atomic():
        locked = _lock_active(prescription, "check_transcription")
        if locked.entered_by_id == by.pk:
            raise PermissionDenied(
                "The person who entered a prescription cannot check it: ask a second trained member of staff.",
                code="same_person",
            )
        if TranscriptionCheck.objects.filter(prescription=locked).exists():
            raise Conflict("This prescription has already been checked.", code="already_checked")
        back = sent_back(locked)
        if back is not None and back.kind == PrescriptionEvent.Kind.TRANSCRIPTION_REJECTED:
            raise Conflict(
                f"{back.by.display_name} rejected this entry: {back.reason} It cannot be checked: "
                "the person who entered it corrects it as a new version (Change), and that version is checked.",
                code="rejected",
            )
        refusal = allergy_status_refusal(locked.person)  # allergies recorded before any check (ADR 0022)
        if refusal is not None:
            raise refusal
        check = TranscriptionCheck.objects.create(prescription=locked, checked_by=by, checked_at=now, note=note.strip())
        _event(locked, PrescriptionEvent.Kind.TRANSCRIPTION_CHECKED, by, now, note.strip())
        record_event(
            actor=by,
            action=MedicationAudit.PRESCRIPTION_TRANSCRIPTION_CHECKED,
            entity=locked,
            location=locked.person.location,
            after={"checked_by": by.username, "note": note.strip()},
            at=now,
        )
        announce(PrescriptionChanged.of(locked, PrescriptionChange.TRANSCRIPTION_CHECKED, by=by, at=now))
    return check


SEND_BACK_VERDICTS = {
    "query": PrescriptionEvent.Kind.TRANSCRIPTION_QUERIED,
    "reject": PrescriptionEvent.Kind.TRANSCRIPTION_REJECTED,
}


def prescription_send_back(*, prescription: Prescription, by: User, verdict: str, reason: str) -> PrescriptionEvent:
    """The checker does not confirm the entry: a query ("is the dose 5 mg or 0.5 mg?") or a rejection ("the wrong
    strength was entered"), with the reason, goes back to the person who entered it (H07). A rejected version cannot
    be checked: its correction is a new version (``prescription_change``), which needs its own check. A query leaves
    the check possible once answered. Either way no dose can be given before a check."""
    require(by, Action.CHECK_TRANSCRIPTION)
    kind = SEND_BACK_VERDICTS.get(verdict)
    if kind is None:
        raise ValidationFailed("Choose whether you are querying or rejecting the entry.", field="verdict")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "Say what does not match, so the person who entered it can correct it.", field="send_back_reason"
        )
    now = clock.now()
    with transaction.atomic():
        locked = _lock_active(prescription, "send_back")
        if locked.entered_by_id == by.pk:
            raise PermissionDenied(
                "You entered this prescription: correct it as a new version instead of sending it back.",
                code="same_person",
            )
        if not locked.transcription_check_required:
            raise Conflict("This entry does not need a transcription check.", code="no_check_required")
        if TranscriptionCheck.objects.filter(prescription=locked).exists():
            raise Conflict("This prescription has already been checked.", code="already_checked")
        back = sent_back(locked)
        if back is not None and back.kind == PrescriptionEvent.Kind.TRANSCRIPTION_REJECTED:
            raise Conflict(f"{back.by.display_name} has already rejected this entry.", code="rejected")
        event = PrescriptionEvent.objects.create(prescription=locked, kind=kind, by=by, at=now, reason=reason)
        record_event(
            actor=by,
            action=MedicationAudit.PRESCRIPTION_TRANSCRIPTION_SENT_BACK,
            entity=locked,
            location=locked.person.location,
            after={"verdict": verdict, "reason": reason, "entered_by": locked.entered_by.username},
            at=now,
        )
    return event


def prescription_suspend(*, prescription: Prescription, by: User, reason: str) -> Prescription:
    require(by, Action.MANAGE_PRESCRIPTIONS)
    reason = _require_reason(reason)
    now = clock.now()
    with transaction.atomic():
        locked = _lock_active(prescription, "suspend")
        _set_status(locked, PrescriptionStatus.SUSPENDED, by, now, MedicationAudit.PRESCRIPTION_SUSPENDED, reason)
        announce(PrescriptionChanged.of(locked, PrescriptionChange.SUSPENDED, by=by, at=now))
        _event(locked, PrescriptionEvent.Kind.SUSPENDED, by, now, reason)
        due_doses_withdraw_future(prescription=locked, by=by, reason="Prescription suspended", now=now)
    return locked


def prescription_resume(*, prescription: Prescription, by: User, reason: str) -> Prescription:
    require(by, Action.MANAGE_PRESCRIPTIONS)
    reason = _require_reason(reason)
    now = clock.now()
    with transaction.atomic():
        locked = _lock_active(prescription, "resume")
        _set_status(locked, PrescriptionStatus.ACTIVE, by, now, MedicationAudit.PRESCRIPTION_RESUMED, reason)
        announce(PrescriptionChanged.of(locked, PrescriptionChange.RESUMED, by=by, at=now))
        _event(locked, PrescriptionEvent.Kind.RESUMED, by, now, reason)
        due_doses_generate(prescription=locked, end=horizon_end(now))
    return locked


def prescription_discontinue(*, prescription: Prescription, by: User, reason: str) -> Prescription:
    require(by, Action.MANAGE_PRESCRIPTIONS)
    reason = _require_reason(reason)
    now = clock.now()
    with transaction.atomic():
        locked = _lock_active(prescription, "discontinue")
        _set_status(locked, PrescriptionStatus.DISCONTINUED, by, now, MedicationAudit.PRESCRIPTION_DISCONTINUED, reason)
        announce(PrescriptionChanged.of(locked, PrescriptionChange.DISCONTINUED, by=by, at=now))
        _event(locked, PrescriptionEvent.Kind.DISCONTINUED, by, now, reason)
        due_doses_withdraw_future(prescription=locked, by=by, reason="Prescription discontinued", now=now)
    return locked
