"""The alert kinds raised from records (ADR 0026): refusals, omissions, when-required patterns, safety checks,
readings, allergy decisions, late recordings, transcription checks.

Each kind has one detector here, called two ways with the same code: by a subscriber with the record an event
names (at once), and by the scan over a bounded look-back (``BACKSTOP``, or the widest threshold's days), the
backstop for an event lost. Each detector reads a fixed number of queries (indexed: the administrations'
``(location, administered_at)`` and ``(person, administered_at)``, the due doses' ``(state, ...)``, the alerts'
person and due-dose indexes), whatever the number of people and the length of the history, then writes only what
it raises: one INSERT per alert under its condition's unique ``key`` (a second scanner meets the constraint and
writes nothing), with its audit event and the records behind it (``AlertRecord``).

A repeated condition is one alert: a refusal, an omission or a when-required dose that continues a condition
already alerted in its window joins that alert's records (``ALERT_RECORD_ADDED``) instead of raising another,
and the repeated-refusal alert carries on (``superseded_by``) the person's refused-dose alerts of that medicine.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from carebook.alerts import rules
from carebook.alerts.audit import AlertsAudit
from carebook.alerts.models import Alert, AlertRecord
from carebook.alerts.thresholds import threshold_book
from carebook.alerts.vocab import OPEN_STATUSES, AlertKind
from carebook.audit_log.services import record_event, snapshot
from carebook.core import clock
from carebook.core.text import clock_time, duration, format_quantity, moment
from carebook.medication import rules as medication_rules
from carebook.medication.facts import dosing_instructions
from carebook.medication.models import (
    Administration,
    AllergyDecision,
    DueDose,
    PrescriptionStatus,
    PromptAnswer,
    TranscriptionCheck,
    Visit,
)
from carebook.medication.rules.prn import PrnDose
from carebook.medication.rules.windows import ROUNDS, round_for_time
from carebook.medication.vocab import STANDING_STATUSES, TAKEN, Outcome, Prompt, PromptResult, ReadingDecision
from carebook.organisations.models import Location

# How far back the scan looks for the records an event should have announced (events are retried; this catches
# one that was lost). Its cost is a day of records, whatever the length of the history.
BACKSTOP = dt.timedelta(hours=24)
# How far back the refused doses and the transcription checks are read (as the overdue and missed doses).
LOOK_BACK = dt.timedelta(days=7)


@dataclass(frozen=True)
class Behind:
    """One record behind an alert."""

    at: dt.datetime
    administration_id: Any = None
    due_dose_id: Any = None
    allergy_decision_id: Any = None


@dataclass
class NewAlert:
    kind: str
    key: str
    location_id: Any
    person_id: Any
    summary: str
    severity: str
    staff_id: Any = None  # an alert about a member of staff (STAFF_KINDS), with no person
    prescription_id: Any = None
    due_dose_id: Any = None
    administration_id: Any = None
    visit_id: Any = None
    due_at: dt.datetime | None = None
    behind: list[Behind] = field(default_factory=list)
    supersede: list[Any] = field(default_factory=list)  # alerts this one carries on
    superseded_by_id: Any = None  # raised already carried on by a more serious alert (a repeated refusal)


def raise_alert(new: NewAlert, *, now: dt.datetime) -> Alert | None:
    """One alert for one condition, audited, with the records behind it; None when it exists already."""
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                kind=new.kind,
                severity=new.severity,
                key=new.key[:200],
                location_id=new.location_id,
                person_id=new.person_id,
                staff_id=new.staff_id,
                prescription_id=new.prescription_id,
                due_dose_id=new.due_dose_id,
                administration_id=new.administration_id,
                visit_id=new.visit_id,
                summary=new.summary[:300],
                raised_at=now,
                due_at=new.due_at,
                superseded_by_id=new.superseded_by_id,
            )
            record_event(
                actor=None,
                action=AlertsAudit.ALERT_RAISED,
                entity=alert,
                location=new.location_id,
                after=snapshot(alert),
                at=now,
            )
            _write_behind(alert.pk, new.behind, now=now)
            for earlier in new.supersede:
                if Alert.objects.filter(pk=earlier, superseded_by__isnull=True).update(superseded_by=alert):
                    record_event(
                        actor=None,
                        action=AlertsAudit.ALERT_SUPERSEDED,
                        entity=earlier,
                        location=new.location_id,
                        before={"superseded_by": None},
                        after={"superseded_by": str(alert.pk)},
                        at=now,
                    )
    except IntegrityError:
        return None  # the same condition's alert exists: raised by another scan or the event
    return alert


def _write_behind(alert_id: Any, behind: Iterable[Behind], *, now: dt.datetime) -> list[AlertRecord]:
    return AlertRecord.objects.bulk_create(
        [
            AlertRecord(
                alert_id=alert_id,
                administration_id=b.administration_id,
                due_dose_id=b.due_dose_id,
                allergy_decision_id=b.allergy_decision_id,
                at=b.at,
                added_at=now,
            )
            for b in behind
        ]
    )


def join_alert(alert: Alert, behind: list[Behind], *, now: dt.datetime, known: set[Any]) -> int:
    """Add the later records of a condition already alerted (those not among ``known``), audited once."""
    new = [b for b in behind if b.administration_id not in known]
    if not new:
        return 0
    try:
        with transaction.atomic():
            _write_behind(alert.pk, new, now=now)
            record_event(
                actor=None,
                action=AlertsAudit.ALERT_RECORD_ADDED,
                entity=alert,
                location=alert.location_id,
                after={"administrations": [str(b.administration_id) for b in new]},
                at=now,
            )
    except IntegrityError:
        return 0  # another scanner added them
    return len(new)


def _since(alert: Alert) -> dt.datetime:
    """When the condition of an alert of records began: the record that crossed its threshold."""
    return alert.due_at or alert.raised_at


def _rx_name(a: Administration) -> str:
    return str(a.prescription.medicine)


def _severity(kind: str, a: Administration) -> str:
    medicine = a.prescription.medicine
    return rules.severity_for(time_critical=medicine.time_critical, high_risk=medicine.high_risk, kind=kind)


def _records(
    *,
    now: dt.datetime,
    ids: Iterable[Any] | None,
    since: dt.timedelta = BACKSTOP,
    written_after: dt.datetime | None = None,
    offered_again: bool = False,
) -> QuerySet[Administration]:
    """The effective records to look at: those an event named; or, for the minute's scan, those *written* since the
    last scan (``written_after``, index ``admin_recorded_at_idx``); or those given in the look-back (index
    ``admin_location_time_idx``: a scan by hand, or the first after the worker was down). ``offered_again``: the
    refusals waiting for their dose to be offered again too (ADR 0034)."""
    rows = _standing(offered_again)
    if ids is not None:
        return rows.filter(pk__in=list(ids))
    if written_after is not None:
        return rows.filter(recorded_at__gt=max(written_after, now - BACKSTOP), recorded_at__lte=now)
    return rows.filter(
        location_id__in=Location.objects.values("pk"), administered_at__gt=now - since, administered_at__lte=now
    )


def _raise_for_record(kind: str, a: Administration, *, summary: str, now: dt.datetime) -> uuid.UUID | None:
    """The alert of one kind that one record raises (a check not confirmed, a reading outside its rule, a late
    recording): keyed by the record, with it behind; None when it exists already."""
    made = raise_alert(
        NewAlert(
            kind=kind,
            key=rules.alert_key(kind, a.pk),
            location_id=a.location_id,
            person_id=a.person_id,
            prescription_id=a.prescription_id,
            due_dose_id=a.due_dose_id,
            administration_id=a.pk,
            due_at=a.administered_at,
            severity=_severity(kind, a),
            summary=summary,
            behind=[Behind(at=a.administered_at, administration_id=a.pk, due_dose_id=a.due_dose_id)],
        ),
        now=now,
    )
    return made.pk if made is not None else None


def _alerted(kind: str) -> Exists:
    return Exists(Alert.objects.filter(kind=kind, administration_id=OuterRef("pk")))


# --- Refused, to offer again ------------------------------------------------------------------------------


def detect_refused_to_offer_again(*, now: dt.datetime, written_after: dt.datetime | None = None) -> list[uuid.UUID]:
    """Doses refused (or asleep) "will offer again" that still have no outcome when the time to offer them again has
    passed (``offer_again_until``, in the last LOOK_BACK; ADR 0034). The minute's scan looks only where the condition
    can be new: the refusals whose time passed since the last scan (index ``admin_offer_again_idx``) and those
    written since (a refusal recorded late); by hand, every one of the look-back. One query, from the refusals
    waiting (few), never from every recorded dose of the week."""
    waiting = Administration.objects.offered_again().filter(
        due_dose__state=DueDose.State.PENDING, offer_again_until__lte=now, offer_again_until__gt=now - LOOK_BACK
    )
    if written_after is not None:
        since = max(written_after, now - LOOK_BACK)
        waiting = waiting.filter(Q(offer_again_until__gt=since) | Q(recorded_at__gt=since))
    refusals = list(
        waiting.exclude(_alerted(AlertKind.REFUSED_OFFER_AGAIN)).select_related(
            "due_dose", "prescription__medicine", "person"
        )
    )
    # A refusal that continues a repeated refusal still open is carried on by it from the start (one alert).
    carried = (
        {
            (a.person_id, a.prescription.medicine_id): a.pk
            for a in Alert.objects.filter(
                kind=AlertKind.REPEATED_REFUSAL,
                person_id__in=list({r.person_id for r in refusals}),
                status__in=OPEN_STATUSES,
                superseded_by__isnull=True,
            ).select_related("prescription")
            if a.prescription is not None
        }
        if refusals
        else {}
    )
    raised = []
    for refusal in refusals:
        dose = refusal.due_dose
        assert dose is not None
        medicine = refusal.prescription.medicine
        until = refusal.offer_again_until
        if until is None or not rules.refused_to_offer_again(until, now=now):
            continue
        what = "refused" if refusal.outcome == Outcome.REFUSED else "asleep"
        made = raise_alert(
            NewAlert(
                kind=AlertKind.REFUSED_OFFER_AGAIN,
                key=rules.alert_key(AlertKind.REFUSED_OFFER_AGAIN, refusal.pk),
                location_id=refusal.location_id,
                person_id=refusal.person_id,
                prescription_id=refusal.prescription_id,
                due_dose_id=dose.pk,
                administration_id=refusal.pk,
                due_at=dose.scheduled_at,
                severity=rules.severity_for(
                    time_critical=medicine.time_critical,
                    high_risk=medicine.high_risk,
                    kind=AlertKind.REFUSED_OFFER_AGAIN,
                ),
                summary=(
                    f"{medicine} for {refusal.person.full_name}, due at {moment(dose.scheduled_at)}: {what} at "
                    f"{clock_time(refusal.administered_at)}, to be offered again by {clock_time(until)}, and no "
                    "outcome yet. Offer it again if it is still safe to, or ask for advice."
                )[:300],
                behind=[Behind(at=dose.scheduled_at, administration_id=refusal.pk, due_dose_id=dose.pk)],
                superseded_by_id=carried.get((refusal.person_id, medicine.pk)),
            ),
            now=now,
        )
        if made is not None:
            raised.append(made.pk)
    return raised


# --- Repeated refusal --------------------------------------------------------------------------------------


def _standing(offered_again: bool) -> QuerySet[Administration]:
    return Administration.objects.standing() if offered_again else Administration.objects.effective()


def _history(
    kind_outcomes: Iterable[str],
    person_ids: set[Any],
    *,
    now: dt.datetime,
    days: int,
    offered_again: bool = False,
) -> list[Administration]:
    """The people's effective records with these outcomes in the last ``days`` days (index
    ``admin_person_time_idx``): one query. ``offered_again``: with the refusals before an offer again."""
    if not person_ids:
        return []
    return list(
        _standing(offered_again)
        .filter(
            person_id__in=list(person_ids),
            outcome__in=list(kind_outcomes),
            administered_at__gt=now - dt.timedelta(days=days),
            administered_at__lte=now,
        )
        .select_related("prescription__medicine", "person")
        .order_by("administered_at")
    )


def _recent_alerts(kind: str, person_ids: set[Any], *, now: dt.datetime, days: int) -> list[Alert]:
    """The people's alerts of one kind raised in the last ``days`` days, with the records behind them: two
    queries (index ``alert_person_time_idx``)."""
    if not person_ids:
        return []
    return list(
        Alert.objects.filter(
            kind=kind, person_id__in=list(person_ids), raised_at__gt=now - dt.timedelta(days=days + 1)
        ).prefetch_related("records")
    )


def detect_repeated_refusals(
    *, now: dt.datetime, ids: Iterable[Any] | None = None, written_after: dt.datetime | None = None
) -> list[uuid.UUID]:
    """The same medicine refused ``refusal_count`` times in ``refusal_days`` days: one alert per condition, the
    later refusals joining it. Looks at the refusals an event named, or those of the BACKSTOP."""
    recent = list(
        _records(now=now, ids=ids, written_after=written_after, offered_again=True)
        .filter(outcome__in=list(rules.REFUSALS))
        .values_list("person_id", flat=True)
    )
    people = set(recent)
    if not people:
        return []
    book = threshold_book()
    days = book.widest("refusal_days")
    by_medicine: dict[tuple[Any, Any], list[Administration]] = defaultdict(list)
    refused_doses: set[Any] = set()
    for a in _history(rules.REFUSALS, people, now=now, days=days, offered_again=True):
        if a.due_dose_id is not None:
            if a.due_dose_id in refused_doses:
                continue  # refused when offered again too: one refused dose (its first refusal)
            refused_doses.add(a.due_dose_id)
        by_medicine[(a.person_id, a.prescription.medicine_id)].append(a)
    alerts: dict[tuple[Any, Any], list[Alert]] = defaultdict(list)
    for alert in _recent_alerts(AlertKind.REPEATED_REFUSAL, people, now=now, days=days):
        alerts[(alert.person_id, alert.key.split(":")[2])].append(alert)
    raised = []
    for (person_id, medicine_id), refusals in by_medicine.items():
        latest = refusals[-1]
        limits = book.of(latest.location_id, latest.prescription_id)
        behind = [Behind(at=a.administered_at, administration_id=a.pk, due_dose_id=a.due_dose_id) for a in refusals]
        existing = alerts[(person_id, str(medicine_id))]
        current = [
            a for a in existing if rules.ongoing([_since(a)], at=latest.administered_at, days=limits.refusal_days)
        ]
        if current:
            alert = current[-1]
            known = {r.administration_id for r in alert.records.all()}
            in_window = [b for b in behind if b.at > _since(alert)]
            join_alert(alert, in_window, now=now, known=known)
            continue
        times = [a.administered_at for a in refusals]
        if not rules.repeated(times, at=latest.administered_at, count=limits.refusal_count, days=limits.refusal_days):
            continue
        start = latest.administered_at - dt.timedelta(days=limits.refusal_days)
        window = [b for b in behind if b.at > start]
        refused_alerts = list(
            Alert.objects.filter(
                kind=AlertKind.REFUSED_OFFER_AGAIN,
                person_id=person_id,
                prescription__medicine_id=medicine_id,
                status__in=OPEN_STATUSES,
                superseded_by__isnull=True,
            ).values_list("pk", flat=True)
        )
        made = raise_alert(
            NewAlert(
                kind=AlertKind.REPEATED_REFUSAL,
                key=f"{AlertKind.REPEATED_REFUSAL}:{person_id}:{medicine_id}:{clock.to_local(latest.administered_at).date()}",
                location_id=latest.location_id,
                person_id=person_id,
                prescription_id=latest.prescription_id,
                administration_id=latest.pk,
                due_at=latest.administered_at,
                severity=_severity(AlertKind.REPEATED_REFUSAL, latest),
                summary=(
                    f"{_rx_name(latest)}: {latest.person.full_name} refused it {len(window)} times in "
                    f"{limits.refusal_days} days (the latest at {moment(latest.administered_at)}). Ask the GP or "
                    "pharmacist to review it, and the person what they think of it."
                ),
                behind=window,
                supersede=refused_alerts,
            ),
            now=now,
        )
        if made is not None:
            raised.append(made.pk)
    return raised


# --- Repeated omissions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Omission:
    at: dt.datetime
    person_id: Any
    person: str
    medicine_id: Any
    location_id: Any
    prescription_id: Any
    round: str  # the round of its slot (medication.rules.windows)
    risky: bool  # a time-critical or high-risk medicine
    behind: Behind


def _omissions(location_ids: set[Any], *, now: dt.datetime, days: int) -> list[_Omission]:
    """The omissions of these locations in the last ``days`` days: their not-given records (index
    ``admin_location_time_idx``), with those asleep, to offer again, whose time to be offered again passed with no
    outcome (ADR 0034), and their missed doses not recorded since (index ``alert_location_status_idx``): two
    queries."""
    since = now - dt.timedelta(days=days)
    found: list[_Omission] = []
    never_offered_again = Q(
        status=Administration.Status.OFFER_AGAIN, due_dose__state=DueDose.State.PENDING, offer_again_until__lte=now
    )
    # Plain values, not model instances: the scan reads a week of a location's omissions every minute.
    rows = (
        Administration.objects.filter(Q(status=Administration.Status.COMPLETED) | never_offered_again)
        .filter(
            location_id__in=list(location_ids),
            outcome__in=list(rules.OMISSIONS),
            administered_at__gt=since,
            administered_at__lte=now,
        )
        .values_list(
            "pk",
            "administered_at",
            "person_id",
            "person__given_name",
            "person__family_name",
            "prescription__medicine_id",
            "prescription__medicine__time_critical",
            "prescription__medicine__high_risk",
            "location_id",
            "prescription_id",
            "due_dose_id",
            "due_dose__local_time",
        )
    )
    for pk, at, person_id, given, family, medicine_id, critical, risky, location_id, rx_id, dose_id, local in rows:
        found.append(
            _Omission(
                at,
                person_id,
                f"{given} {family}",
                medicine_id,
                location_id,
                rx_id,
                round_for_time(local if local is not None else clock.to_local(at).time()),
                critical or risky,
                Behind(at=at, administration_id=pk, due_dose_id=dose_id),
            )
        )
    recorded = {o.behind.due_dose_id for o in found if o.behind.due_dose_id is not None}
    missed = (
        Alert.objects.filter(
            kind=AlertKind.MISSED_DOSE,
            location_id__in=list(location_ids),
            raised_at__gt=since,
            raised_at__lte=now,
            cleared_at__isnull=True,  # recorded since: given, it was no omission; not given, its record counts
            due_dose__isnull=False,
            prescription__isnull=False,
        )
        .exclude(due_dose_id__in=recorded)
        .values_list(
            "due_dose_id",
            "due_at",
            "raised_at",
            "person_id",
            "person__given_name",
            "person__family_name",
            "prescription__medicine_id",
            "prescription__medicine__time_critical",
            "prescription__medicine__high_risk",
            "location_id",
            "prescription_id",
            "due_dose__local_time",
        )
    )
    for (
        dose_id,
        due_at,
        raised_at,
        person_id,
        given,
        family,
        medicine_id,
        critical,
        risky,
        location_id,
        rx_id,
        local,
    ) in missed:
        at = due_at or raised_at
        found.append(
            _Omission(
                at,
                person_id,
                f"{given} {family}",
                medicine_id,
                location_id,
                rx_id,
                round_for_time(local),
                critical or risky,
                Behind(at=at, due_dose_id=dose_id),
            )
        )
    return sorted(found, key=lambda o: o.at)


def detect_repeated_omissions(
    *, now: dt.datetime, ids: Iterable[Any] | None = None, written_after: dt.datetime | None = None
) -> list[uuid.UUID]:
    """``omission_count`` omissions (not-given records of ``rules.OMISSIONS`` and missed doses) in
    ``omission_days`` days: for one medicine of a person; else for the person across their medicines; and for a
    round of a location when they concern more than one person (staffing, timing, stock)."""
    # What is new (the records an event named or written since the last scan, and the missed doses raised since):
    # only the conditions of these people and rounds can have changed, so only they are weighed again.
    new: list[tuple[Any, Any, dt.time]] = [
        (location_id, person_id, local if local is not None else clock.to_local(at).time())
        for location_id, person_id, local, at in _records(now=now, ids=ids, written_after=written_after)
        .filter(outcome__in=list(rules.OMISSIONS))
        .values_list("location_id", "person_id", "due_dose__local_time", "administered_at")
    ]
    if ids is None:
        raised_after = max(written_after, now - BACKSTOP) if written_after is not None else now - BACKSTOP
        new += Alert.objects.filter(
            kind=AlertKind.MISSED_DOSE,
            location_id__in=Location.objects.values("pk"),
            raised_at__gt=raised_after,
            raised_at__lte=now,
            due_dose__isnull=False,
        ).values_list("location_id", "person_id", "due_dose__local_time")
    places = {location_id for location_id, _p, _t in new}
    new_people = {person_id for _l, person_id, _t in new}
    new_rounds = {(location_id, round_for_time(local)) for location_id, _p, local in new}
    if not places:
        return []
    book = threshold_book(prescriptions=False)
    days = book.widest("omission_days")
    omissions = _omissions(places, now=now, days=days)
    existing: dict[str, list[Alert]] = defaultdict(list)
    alerts = list(
        Alert.objects.filter(
            kind=AlertKind.REPEATED_OMISSIONS,
            location_id__in=list(places),
            raised_at__gt=now - dt.timedelta(days=days + 1),
        ).only("pk", "key", "location_id", "due_at", "raised_at")
    )
    for alert in alerts:
        existing[alert.key.rsplit(":", 1)[0]].append(alert)
    # The records each already holds, as plain ids (one query, not an instance per record).
    held: dict[Any, set[Any]] = defaultdict(set)
    for alert_id, administration_id in AlertRecord.objects.filter(
        alert_id__in=[a.pk for a in alerts], administration_id__isnull=False
    ).values_list("alert_id", "administration_id"):
        held[alert_id].add(administration_id)
    # The conditions: (subject, the omissions it counts); the subject is the key without its date.
    kind = AlertKind.REPEATED_OMISSIONS
    per_person: dict[Any, list[_Omission]] = defaultdict(list)
    per_round: dict[tuple[Any, str], list[_Omission]] = defaultdict(list)
    for o in omissions:
        per_person[o.person_id].append(o)
        per_round[(o.location_id, o.round)].append(o)
    conditions: list[tuple[str, str, list[_Omission]]] = []
    for person_id, rows in per_person.items():
        if person_id not in new_people:
            continue
        medicines: dict[Any, list[_Omission]] = defaultdict(list)
        for o in rows:
            medicines[o.medicine_id].append(o)
        conditions += [("medicine", f"{kind}:{person_id}:medicine:{m}", ms) for m, ms in medicines.items()]
        conditions.append(("person", f"{kind}:{person_id}:person", rows))
    conditions += [
        ("round", f"{kind}:{loc}:round:{name}", rows)
        for (loc, name), rows in per_round.items()
        if (loc, name) in new_rounds
    ]
    raised = []
    alerted_people: set[Any] = set()
    for level, subject, items in conditions:
        latest = items[-1]
        limits = book.of(latest.location_id)
        if level == "person" and latest.person_id in alerted_people:
            continue  # a medicine's alert says it already: not a second one for the person
        current = [a for a in existing[subject] if rules.ongoing([_since(a)], at=latest.at, days=limits.omission_days)]
        if current:
            if level == "medicine":
                alerted_people.add(latest.person_id)
            alert = current[-1]
            later = [o.behind for o in items if o.at > _since(alert) and o.behind.administration_id is not None]
            join_alert(alert, later, now=now, known=held[alert.pk])
            continue
        start = latest.at - dt.timedelta(days=limits.omission_days)
        window = [o for o in items if o.at > start]
        if not rules.repeated(
            [o.at for o in window], at=latest.at, count=limits.omission_count, days=limits.omission_days
        ):
            continue
        if level == "round" and len({o.person_id for o in window}) < 2:
            continue  # one person's omissions: their own alert says it
        if level == "medicine":
            alerted_people.add(latest.person_id)
        what = {
            "medicine": "this medicine",
            "person": "their medicines",
            "round": f"the {ROUNDS[latest.round].label.lower()} round's medicines, for "
            f"{len({o.person_id for o in window})} people,",
        }[level]
        who = latest.person if level != "round" else f"{ROUNDS[latest.round].label} round"
        made = raise_alert(
            NewAlert(
                kind=kind,
                key=f"{subject}:{clock.to_local(latest.at).date()}",
                location_id=latest.location_id,
                person_id=latest.person_id,
                prescription_id=latest.prescription_id if level == "medicine" else None,
                due_at=latest.at,
                severity=rules.severity_for(
                    time_critical=level == "medicine" and any(o.risky for o in window), high_risk=False, kind=kind
                ),
                summary=(
                    f"{who}: {len(window)} doses of {what} not given or missed in {limits.omission_days} days "
                    f"(the latest at {moment(latest.at)}, {latest.person}). Find out why, and ask for a review."
                ),
                behind=_dedupe([o.behind for o in window]),
            ),
            now=now,
        )
        if made is not None:
            raised.append(made.pk)
    return raised


def _dedupe(behind: list[Behind]) -> list[Behind]:
    seen: set[Any] = set()
    out = []
    for b in behind:
        key = (b.administration_id, b.due_dose_id)
        if key in seen:
            continue
        seen.add(key)
        out.append(b)
    return out


# --- When-required pattern -------------------------------------------------------------------------------


def detect_prn_patterns(
    *, now: dt.datetime, ids: Iterable[Any] | None = None, written_after: dt.datetime | None = None
) -> list[uuid.UUID]:
    """A when-required medicine at its 24-hour maximum (medication.rules.prn), or taken on ``prn_days`` of the
    last ``prn_days_of`` days: one alert per condition, later doses joining it."""
    # "No due dose" (a when-required dose) is tested here, not in SQL: SQLite's statistics take ``due_dose_id IS
    # NULL`` for one row and read it through the due-dose index (tens of thousands of rows) instead of the minute's
    # records through ``admin_recorded_at_idx`` (measured: 36 ms against 2).
    recent = [
        (person_id, medicine_id)
        for person_id, medicine_id, due_dose_id in _records(now=now, ids=ids, written_after=written_after)
        .filter(outcome__in=list(TAKEN))
        .values_list("person_id", "prescription__medicine_id", "due_dose_id")
        if due_dose_id is None
    ]
    if not recent:
        return []
    people = {p for p, _m in recent}
    pairs = set(recent)
    book = threshold_book()
    days = max(book.widest("prn_days_of"), 2)
    history: dict[tuple[Any, Any], list[Administration]] = defaultdict(list)
    for a in (
        Administration.objects.taken()
        .filter(
            person_id__in=list(people),
            prescription__medicine_id__in=list({m for _p, m in pairs}),
            administered_at__gt=now - dt.timedelta(days=days),
            administered_at__lte=now,
        )
        .select_related("prescription__medicine", "person")
        .order_by("administered_at")
    ):
        history[(a.person_id, a.prescription.medicine_id)].append(a)
    existing = _recent_alerts(AlertKind.PRN_PATTERN, people, now=now, days=days)
    raised = []
    for pair in pairs:
        doses = history.get(pair, [])
        prn = [a for a in doses if a.prescription.is_prn]
        if not prn:
            continue
        latest = prn[-1]
        rx = latest.prescription
        limits = book.of(latest.location_id, rx.pk)
        mine = [a for a in existing if a.key.split(":")[2:4] == [str(pair[0]), str(pair[1])]]
        # The 24-hour maximum, as the PRN rule counts it (every dose of the medicine, the least when unrecorded).
        if rx.prn_max_quantity_24h is not None:
            past = [PrnDose(at=a.administered_at, quantity=a.dose_given or a.prescription.dose_min) for a in doses]
            reached = rules.prn_max_reached(
                [d for d in past if d.at <= latest.administered_at],
                at=latest.administered_at,
                smallest=rx.dose_min,
                max_24h=rx.prn_max_quantity_24h,
            )
            ongoing = [
                a
                for a in mine
                if a.key.split(":")[1] == "max"
                and a.due_at
                and latest.administered_at - a.due_at < dt.timedelta(hours=24)
            ]
            if reached and not ongoing:
                day_doses = [a for a in doses if latest.administered_at - a.administered_at < dt.timedelta(hours=24)]
                made = raise_alert(
                    NewAlert(
                        kind=AlertKind.PRN_PATTERN,
                        key=f"{AlertKind.PRN_PATTERN}:max:{pair[0]}:{pair[1]}:{latest.pk}",
                        location_id=latest.location_id,
                        person_id=pair[0],
                        prescription_id=rx.pk,
                        administration_id=latest.pk,
                        due_at=latest.administered_at,
                        severity=_severity(AlertKind.PRN_PATTERN, latest),
                        summary=(
                            f"{_rx_name(latest)} for {latest.person.full_name}: the maximum of "
                            f"{format_quantity(rx.prn_max_quantity_24h)} {rx.dose_unit} in 24 hours was reached at "
                            f"{moment(latest.administered_at)}. Ask for a review of the pain or symptom, and of "
                            "the protocol."
                        ),
                        behind=[Behind(at=a.administered_at, administration_id=a.pk) for a in day_doses],
                    ),
                    now=now,
                )
                if made is not None:
                    raised.append(made.pk)
        # Used on more days than the protocol expects: its when-required doses (not a regular one of the medicine).
        local_dates = [clock.to_local(a.administered_at).date() for a in prn]
        today = clock.to_local(latest.administered_at).date()
        ongoing_days = [
            a
            for a in mine
            if a.key.split(":")[1] == "days"
            and a.due_at
            and rules.ongoing([a.due_at], at=latest.administered_at, days=limits.prn_days_of)
        ]
        if ongoing_days:
            alert = ongoing_days[-1]
            known = {r.administration_id for r in alert.records.all()}
            join_alert(
                alert,
                [
                    Behind(at=a.administered_at, administration_id=a.pk)
                    for a in prn
                    if a.administered_at > _since(alert)
                ],
                now=now,
                known=known,
            )
            continue
        if not rules.prn_overused(local_dates, today=today, days=limits.prn_days, of_days=limits.prn_days_of):
            continue
        first = today - dt.timedelta(days=limits.prn_days_of - 1)
        window = [a for a in prn if clock.to_local(a.administered_at).date() >= first]
        used = rules.prn_days_used(local_dates, today=today, of_days=limits.prn_days_of)
        made = raise_alert(
            NewAlert(
                kind=AlertKind.PRN_PATTERN,
                key=f"{AlertKind.PRN_PATTERN}:days:{pair[0]}:{pair[1]}:{today}",
                location_id=latest.location_id,
                person_id=pair[0],
                prescription_id=rx.pk,
                administration_id=latest.pk,
                due_at=latest.administered_at,
                severity=_severity(AlertKind.PRN_PATTERN, latest),
                summary=(
                    f"{_rx_name(latest)} for {latest.person.full_name}: taken when required on {used} of the last "
                    f"{limits.prn_days_of} days. Ask the GP to review whether it should be a regular medicine."
                ),
                behind=[Behind(at=a.administered_at, administration_id=a.pk) for a in window],
            ),
            now=now,
        )
        if made is not None:
            raised.append(made.pk)
    return raised


# --- Safety checks skipped or failed, readings outside their rule --------------------------------------------


def detect_prompts_not_confirmed(
    *, now: dt.datetime, ids: Iterable[Any] | None = None, written_after: dt.datetime | None = None
) -> list[uuid.UUID]:
    """A dose recorded with a safety check skipped (a reading not taken) or failed: one alert per record."""
    not_confirmed = PromptAnswer.objects.filter(
        administration_id=OuterRef("pk"), result__in=[PromptResult.SKIPPED, PromptResult.FAILED]
    )
    rows = list(
        _records(now=now, ids=ids, written_after=written_after, offered_again=True)
        .filter(Exists(not_confirmed))
        .exclude(_alerted(AlertKind.PROMPT_NOT_CONFIRMED))
        .select_related("prescription__medicine", "person")
        .prefetch_related("prompt_answers")
    )
    raised = []
    for a in rows:
        answers = list(a.prompt_answers.all())
        names = rules.prompts_to_alert(
            skipped=[p.prompt for p in answers if p.result == PromptResult.SKIPPED],
            failed=[p.prompt for p in answers if p.result == PromptResult.FAILED],
            outcome=a.outcome,
        )
        if not names:
            continue
        said = "; ".join(
            f"{Prompt(p.prompt).label}: {p.get_result_display().lower()}" + (f" ({p.note})" if p.note else "")
            for p in answers
            if p.prompt in names
        )
        made = _raise_for_record(
            AlertKind.PROMPT_NOT_CONFIRMED,
            a,
            summary=(
                f"{_rx_name(a)} for {a.person.full_name}, {a.get_outcome_display().lower()} at "
                f"{moment(a.administered_at)}: {said}."
            ),
            now=now,
        )
        if made is not None:
            raised.append(made)
    return raised


OUTSIDE = [ReadingDecision.WITHHOLD, ReadingDecision.GIVE_AND_TELL]


def detect_readings_outside_rule(
    *, now: dt.datetime, ids: Iterable[Any] | None = None, written_after: dt.datetime | None = None
) -> list[uuid.UUID]:
    """A reading beyond the prescriber's limits (the decision kept with the answer, rules/readings.py): one alert
    per record, whether the dose was withheld or given and someone is to be told."""
    outside = PromptAnswer.objects.filter(administration_id=OuterRef("pk"), decision__in=OUTSIDE)
    rows = list(
        _records(now=now, ids=ids, written_after=written_after, offered_again=True)
        .filter(Exists(outside))
        .exclude(_alerted(AlertKind.READING_OUTSIDE_RULE))
        .select_related("prescription__medicine", "person")
        .prefetch_related("prompt_answers")
    )
    raised = []
    for a in rows:
        readings = [p for p in a.prompt_answers.all() if p.decision in OUTSIDE]
        rule = a.prescription.reading_rule
        said = "; ".join(
            f"{Prompt(p.prompt).label.split(' taken')[0]} {p.value}: {p.get_decision_display().lower()}"
            for p in readings
        )
        made = _raise_for_record(
            AlertKind.READING_OUTSIDE_RULE,
            a,
            summary=(
                f"{_rx_name(a)} for {a.person.full_name} at {moment(a.administered_at)}: {said}."
                + (f" The rule: {rule.text}." if rule is not None and rule.text else "")
            ),
            now=now,
        )
        if made is not None:
            raised.append(made)
    return raised


# --- Allergy warning overridden ----------------------------------------------------------------------------


def detect_allergy_overrides(
    *, now: dt.datetime, ids: Iterable[Any] | None = None, written_after: dt.datetime | None = None
) -> list[uuid.UUID]:
    """A senior's decision to go on despite an allergy or caution finding, for the registered manager's review:
    one alert per decision (index ``allergy_decision_time_idx``)."""
    rows = AllergyDecision.objects.all()
    rows = (
        rows.filter(pk__in=list(ids))
        if ids is not None
        else rows.filter(decided_at__gt=max(written_after or now - BACKSTOP, now - BACKSTOP), decided_at__lte=now)
    )
    decisions = list(
        rows.exclude(
            Exists(
                AlertRecord.objects.filter(allergy_decision_id=OuterRef("pk"), alert__kind=AlertKind.ALLERGY_OVERRIDDEN)
            )
        ).select_related("prescription__medicine", "prescription__person", "allergy", "decided_by")
    )
    raised = []
    for d in decisions:
        rx = d.prescription
        made = raise_alert(
            NewAlert(
                kind=AlertKind.ALLERGY_OVERRIDDEN,
                key=rules.alert_key(AlertKind.ALLERGY_OVERRIDDEN, d.pk),
                location_id=rx.person.location_id,
                person_id=rx.person_id,
                prescription_id=rx.pk,
                due_at=d.decided_at,
                severity=rules.severity_for(
                    time_critical=False, high_risk=rx.medicine.high_risk, kind=AlertKind.ALLERGY_OVERRIDDEN
                ),
                summary=(
                    f"{rx.medicine} for {rx.person.full_name}: {d.decided_by.display_name} decided at "
                    f"{moment(d.decided_at)} to go on despite \u201c{d.finding}\u201d. Reason: {d.reason}"
                ),
                behind=[Behind(at=d.decided_at, allergy_decision_id=d.pk)],
            ),
            now=now,
        )
        if made is not None:
            raised.append(made.pk)
    return raised


# --- Late recording ------------------------------------------------------------------------------------------


def detect_late_recordings(
    *, now: dt.datetime, ids: Iterable[Any] | None = None, written_after: dt.datetime | None = None
) -> list[uuid.UUID]:
    """A dose recorded more than ``late_recording_minutes`` after the time it was given: raised by the scan only
    (not on the recording's path: a late entry is a review for later, not an emergency), from the records *written*
    in the BACKSTOP (``admin_recorded_at_idx``), so an entry back-dated by days is found as surely as one by an
    hour."""
    book = threshold_book(prescriptions=False)
    least = dt.timedelta(minutes=book.narrowest("late_recording_minutes"))
    written = _standing(offered_again=True)  # a refusal to offer again, written up late, is a late recording too
    if ids is not None:
        written = written.filter(pk__in=list(ids))
    else:
        written = written.filter(
            recorded_at__gt=max(written_after or now - BACKSTOP, now - BACKSTOP), recorded_at__lte=now
        )
    rows = list(
        written.filter(recorded_at__gt=F("administered_at") + least)
        .exclude(_alerted(AlertKind.LATE_RECORDING))
        .select_related("prescription__medicine", "person", "recorded_by")
    )
    raised = []
    for a in rows:
        limits = book.of(a.location_id)
        if not rules.recorded_late(
            administered_at=a.administered_at, recorded_at=a.recorded_at, minutes=limits.late_recording_minutes
        ):
            continue
        gap = duration(a.recorded_at - a.administered_at)
        made = _raise_for_record(
            AlertKind.LATE_RECORDING,
            a,
            summary=(
                f"{_rx_name(a)} for {a.person.full_name}: {a.get_outcome_display().lower()} at "
                f"{moment(a.administered_at)}, recorded by {a.recorded_by.display_name} {gap} later, at "
                f"{moment(a.recorded_at)}. Check the record with them."
            ),
            now=now,
        )
        if made is not None:
            raised.append(made)
    return raised


# --- Transcription check outstanding ---------------------------------------------------------------------------


def _unchecked() -> Q:
    return Q(prescription__transcription_check_required=True, prescription__transcription_check__isnull=True)


def detect_transcription_outstanding(*, now: dt.datetime) -> list[uuid.UUID]:
    """An unchecked prescription whose next dose is due within ``transcription_lead_minutes`` (or past, in the
    LOOK_BACK): its first doses cannot be given until a second person checks it (index
    ``due_dose_state_time_idx``)."""
    book = threshold_book(prescriptions=False)
    lead = dt.timedelta(minutes=book.widest("transcription_lead_minutes"))
    doses = list(
        DueDose.objects.filter(
            state=DueDose.State.PENDING, scheduled_at__gt=now - LOOK_BACK, scheduled_at__lte=now + lead
        )
        .filter(_unchecked())
        .exclude(
            Exists(
                Alert.objects.filter(
                    kind=AlertKind.TRANSCRIPTION_OUTSTANDING, prescription_id=OuterRef("prescription_id")
                )
            )
        )
        .select_related("prescription__medicine", "person")
        .order_by("scheduled_at")
    )
    first: dict[Any, DueDose] = {}
    for dose in doses:
        first.setdefault(dose.prescription_id, dose)
    raised = []
    for dose in first.values():
        limits = book.of(dose.location_id)
        if not rules.transcription_due(
            first_due_at=dose.scheduled_at, now=now, lead_minutes=limits.transcription_lead_minutes
        ):
            continue
        medicine = dose.prescription.medicine
        made = raise_alert(
            NewAlert(
                kind=AlertKind.TRANSCRIPTION_OUTSTANDING,
                key=rules.alert_key(AlertKind.TRANSCRIPTION_OUTSTANDING, dose.prescription_id),
                location_id=dose.location_id,
                person_id=dose.person_id,
                prescription_id=dose.prescription_id,
                due_dose_id=dose.pk,
                due_at=dose.scheduled_at,
                severity=rules.severity_for(
                    time_critical=medicine.time_critical,
                    high_risk=medicine.high_risk,
                    kind=AlertKind.TRANSCRIPTION_OUTSTANDING,
                ),
                summary=(
                    f"{medicine} for {dose.person.full_name}: its entry has not been checked by a second person, "
                    f"and a dose is due at {moment(dose.scheduled_at)}. It cannot be given until it is checked."
                ),
                behind=[Behind(at=dose.scheduled_at, due_dose_id=dose.pk)],
            ),
            now=now,
        )
        if made is not None:
            raised.append(made.pk)
    return raised


def _clear_once(alert: Alert, *, reason: str, now: dt.datetime) -> bool:
    """Clear an alert whose condition cleared, once (compare and set), audited in the same transaction."""
    with transaction.atomic():
        if not Alert.objects.filter(pk=alert.pk, cleared_at__isnull=True).update(cleared_at=now, cleared_reason=reason):
            return False
        record_event(
            actor=None,
            action=AlertsAudit.ALERT_CLEARED,
            entity=alert,
            location=alert.location_id,
            before={"cleared_at": None},
            after={"cleared_at": now.isoformat(), "cleared_reason": reason},
            at=now,
        )
    return True


def clear_transcription_checked(
    *, now: dt.datetime, prescription_ids: Iterable[Any] | None = None, written_after: dt.datetime | None = None
) -> list[uuid.UUID]:
    """Clear the transcription alerts whose prescription has now been checked: each says by whom and when.
    ``prescription_ids``: only these (the event); ``written_after``: only the checks written since (the minute's
    scan: its look-back, so a check the event missed is still found); neither: every open one (a scan by hand)."""
    rows = Alert.objects.filter(
        kind=AlertKind.TRANSCRIPTION_OUTSTANDING,
        status__in=OPEN_STATUSES,
        cleared_at__isnull=True,
        prescription__transcription_check__isnull=False,
    ).select_related("prescription__transcription_check__checked_by")
    if prescription_ids is not None:
        rows = rows.filter(prescription_id__in=list(prescription_ids))
    if written_after is not None:
        checked = list(TranscriptionCheck.objects.filter(checked_at__gt=written_after).values_list("prescription_id"))
        if not checked:  # the usual minute: one small read, no join
            return []
        rows = rows.filter(prescription_id__in=[pk for (pk,) in checked])
    cleared = []
    for alert in rows:
        check = alert.prescription.transcription_check  # type: ignore[union-attr]
        reason = f"Checked by {check.checked_by.display_name} at {moment(check.checked_at)}."
        if _clear_once(alert, reason=reason, now=now):
            cleared.append(alert.pk)
    return cleared


# --- A dose set by the clinic with no instruction in force (warfarin, ADR 0037) -------------------------------------


def detect_dosing_instruction_missing(*, now: dt.datetime) -> list[uuid.UUID]:
    """A pending dose of a prescription dosed by the clinic's instructions, due within ``transcription_lead_minutes``
    (or past, in the LOOK_BACK), on a day no checked instruction covers: the next INR test has passed without a new
    letter, or the letter was never entered or checked. One alert per prescription and day; two queries, and one
    more only when such a dose is near."""
    book = threshold_book(prescriptions=False)
    lead = dt.timedelta(minutes=book.widest("transcription_lead_minutes"))
    doses = list(
        DueDose.objects.filter(
            state=DueDose.State.PENDING,
            scheduled_at__gt=now - LOOK_BACK,
            scheduled_at__lte=now + lead,
            prescription__dose_from_instructions=True,
            prescription__status=PrescriptionStatus.ACTIVE,
        )
        .exclude(_unchecked())  # an unchecked entry has its own alert
        .select_related("prescription__medicine", "person")
        .order_by("scheduled_at")
    )
    if not doses:
        return []
    today = clock.to_local(now).date()
    instructions = dosing_instructions([d.prescription for d in doses], today=today)
    first: dict[tuple[Any, dt.date], DueDose] = {}
    for dose in doses:
        if medication_rules.dosing.day_dose(instructions.get(dose.prescription_id, ()), dose.local_date) is None:
            first.setdefault((dose.prescription_id, dose.local_date), dose)
    raised = []
    for (prescription_id, day), dose in first.items():
        limits = book.of(dose.location_id)
        if not rules.transcription_due(
            first_due_at=dose.scheduled_at, now=now, lead_minutes=limits.transcription_lead_minutes
        ):
            continue
        medicine = dose.prescription.medicine
        refusal = medication_rules.dosing.dosing_refusal(instructions.get(prescription_id, ()), day)
        made = raise_alert(
            NewAlert(
                kind=AlertKind.DOSING_INSTRUCTION_MISSING,
                key=rules.alert_key(AlertKind.DOSING_INSTRUCTION_MISSING, f"{prescription_id}:{day.isoformat()}"),
                location_id=dose.location_id,
                person_id=dose.person_id,
                prescription_id=prescription_id,
                due_dose_id=dose.pk,
                due_at=dose.scheduled_at,
                severity=rules.severity_for(
                    time_critical=medicine.time_critical,
                    high_risk=medicine.high_risk,
                    kind=AlertKind.DOSING_INSTRUCTION_MISSING,
                ),
                summary=(
                    f"{medicine} for {dose.person.full_name}: a dose is due at {moment(dose.scheduled_at)} and "
                    f"it cannot be given. {refusal.message if refusal is not None else ''}"
                ).strip(),
                behind=[Behind(at=dose.scheduled_at, due_dose_id=dose.pk)],
            ),
            now=now,
        )
        if made is not None:
            raised.append(made.pk)
    return raised


def clear_dosing_instruction_given(*, now: dt.datetime) -> list[uuid.UUID]:
    """Clear the alerts of the kind above whose day a checked instruction now covers, saying whose."""
    rows = list(
        Alert.objects.filter(
            kind=AlertKind.DOSING_INSTRUCTION_MISSING, status__in=OPEN_STATUSES, cleared_at__isnull=True
        ).select_related("prescription", "due_dose")
    )
    if not rows:
        return []
    today = clock.to_local(now).date()
    instructions = dosing_instructions([a.prescription for a in rows if a.prescription], today=today)
    cleared = []
    for alert in rows:
        if alert.due_dose is None:
            continue
        found = medication_rules.dosing.current_instruction(
            instructions.get(alert.prescription_id, ()), alert.due_dose.local_date
        )
        if found is None:
            continue
        reason = f"Dosing instructions for the day are in force: INR {found.inr} on {found.inr_date:%-d %B}."
        if _clear_once(alert, reason=reason, now=now):
            cleared.append(alert.pk)
    return cleared


# --- A home-care visit still open after its window (ADR 0038) -------------------------------------------------------


def detect_visits_not_closed(*, now: dt.datetime) -> list[uuid.UUID]:
    """Each visit of the LOOK_BACK still open ``rules.VISIT_CLOSE_GRACE`` after its window ended, with no alert yet:
    one alert per visit (index ``visit_open_end_idx``; one query, and one write per alert raised)."""
    visits = list(
        Visit.objects.filter(
            closed_at__isnull=True,
            window_end__gt=now - LOOK_BACK,
            window_end__lte=now - rules.VISIT_CLOSE_GRACE,
        )
        .exclude(Exists(Alert.objects.filter(visit_id=OuterRef("pk"), kind=AlertKind.VISIT_NOT_CLOSED)))
        .select_related("person", "assigned_to")
        .order_by("window_end")
    )
    raised = []
    for visit in visits:
        made = raise_alert(
            NewAlert(
                kind=AlertKind.VISIT_NOT_CLOSED,
                key=rules.alert_key(AlertKind.VISIT_NOT_CLOSED, visit.pk),
                location_id=visit.location_id,
                person_id=visit.person_id,
                visit_id=visit.pk,
                due_at=visit.window_end,
                severity=rules.severity_for(time_critical=False, high_risk=False, kind=AlertKind.VISIT_NOT_CLOSED),
                summary=(
                    f"{visit.person.full_name}'s {visit.get_label_display().lower()} visit "
                    f"({clock_time(visit.window_start)} to {clock_time(visit.window_end)}, "
                    f"{visit.assigned_to.display_name}) was not closed. Check that it took place and that each "
                    "medicine due in it has an outcome."
                ),
            ),
            now=now,
        )
        if made is not None:
            raised.append(made.pk)
    return raised


def clear_visits_closed(*, now: dt.datetime) -> list[uuid.UUID]:
    """Clear the alerts of the kind above whose visit has been closed since, saying by whom and when."""
    rows = Alert.objects.filter(
        kind=AlertKind.VISIT_NOT_CLOSED,
        status__in=OPEN_STATUSES,
        cleared_at__isnull=True,
        visit__closed_at__isnull=False,
    ).select_related("visit__closed_by")
    cleared = []
    for alert in rows:
        visit = alert.visit
        assert visit is not None and visit.closed_at is not None and visit.closed_by is not None
        reason = f"The visit was closed by {visit.closed_by.display_name} at {moment(visit.closed_at)}."
        if _clear_once(alert, reason=reason, now=now):
            cleared.append(alert.pk)
    return cleared


def _check_worth_alert(prompt: str, result: str, outcome: str) -> bool:
    """One skipped or failed check, as ``rules.prompts_to_alert`` weighs it."""
    return bool(
        rules.prompts_to_alert(
            skipped=[prompt] if result == PromptResult.SKIPPED else [],
            failed=[prompt] if result == PromptResult.FAILED else [],
            outcome=outcome,
        )
    )


def _staff_with_fresh_checks(answers: QuerySet[PromptAnswer], *, written_after: dt.datetime) -> set[tuple[Any, Any]]:
    """The (location, member of staff) pairs with a check worth an alert (``rules.prompts_to_alert``) in a record
    written since ``written_after``: read from the administrations written since (their ``recorded_at`` index),
    so the minute's cost follows what the minute brought, not the week's checks."""
    fresh = answers.filter(
        administration_id__in=Administration.objects.filter(recorded_at__gt=written_after).values("pk")
    ).values_list(
        "administration__location_id", "administration__recorded_by_id", "prompt", "result", "administration__outcome"
    )
    return {
        (location_id, user_id)
        for location_id, user_id, prompt, result, outcome in fresh
        if _check_worth_alert(prompt, result, outcome)
    }


def detect_prompt_non_compliance(
    *,
    now: dt.datetime,
    staff: Iterable[tuple[Any, Any]] | None = None,
    written_after: dt.datetime | None = None,
) -> list[uuid.UUID]:
    """A member of staff whose safety checks were skipped or failed ``prompt_skip_count`` times in the last
    ``prompt_skip_days`` days at a location (3 in 7; consent failing on a refusal is the person's refusal, not
    counted): one alert about them, for their supervisors (ADR 0030). While it was raised in its window, later
    records join it. ``staff``: only these (location, user) pairs (the event); ``written_after``: only the pairs with
    a record written since (the minute's scan); neither: every pair (a scan by hand). Two queries, and the writes."""
    book = threshold_book(prescriptions=False)
    days = book.widest("prompt_skip_days")
    answers = PromptAnswer.objects.filter(
        administration__status__in=STANDING_STATUSES,
        administration__recorded_at__gt=now - dt.timedelta(days=days),
        administration__recorded_at__lte=now,
        result__in=[PromptResult.SKIPPED, PromptResult.FAILED],
    )
    if staff is None and written_after is not None:
        staff = _staff_with_fresh_checks(answers, written_after=written_after)
    if staff is not None:
        staff = list(staff)
        if not staff:
            return []
        pairs = Q(pk__in=[])
        for location_id, user_id in staff:
            pairs |= Q(administration__location_id=location_id, administration__recorded_by_id=user_id)
        answers = answers.filter(pairs)
    counted: dict[tuple[Any, Any], list[Behind]] = defaultdict(list)
    for admin_id, location_id, user_id, recorded_at, prompt, result, outcome in answers.values_list(
        "administration_id",
        "administration__location_id",
        "administration__recorded_by_id",
        "administration__recorded_at",
        "prompt",
        "result",
        "administration__outcome",
    ):
        if _check_worth_alert(prompt, result, outcome):
            counted[(location_id, user_id)].append(Behind(at=recorded_at, administration_id=admin_id))
    raised: list[uuid.UUID] = []
    for (location_id, user_id), behind in counted.items():
        limits = book.of(location_id)
        times = [b.at for b in behind]
        if not rules.prompt_non_compliance(times, at=now, count=limits.prompt_skip_count, days=limits.prompt_skip_days):
            continue
        window = [b for b in _dedupe(behind) if b.at > now - dt.timedelta(days=limits.prompt_skip_days)]
        earlier = (
            Alert.objects.filter(
                kind=AlertKind.PROMPT_NON_COMPLIANCE,
                location_id=location_id,
                staff_id=user_id,
                raised_at__gt=now - dt.timedelta(days=limits.prompt_skip_days),
            )
            .order_by("-raised_at")
            .first()
        )
        if earlier is not None:
            known = set(AlertRecord.objects.filter(alert=earlier).values_list("administration_id", flat=True))
            join_alert(earlier, window, now=now, known=known)
            continue
        made = raise_alert(
            NewAlert(
                kind=AlertKind.PROMPT_NON_COMPLIANCE,
                key=rules.alert_key(
                    AlertKind.PROMPT_NON_COMPLIANCE, f"{location_id}:{user_id}:{clock.to_local(now).date()}"
                ),
                location_id=location_id,
                person_id=None,
                staff_id=user_id,
                summary=(
                    f"{len(times)} safety checks skipped or failed in {limits.prompt_skip_days} days by one member "
                    f"of staff (the threshold is {limits.prompt_skip_count}): a supervisor to follow up."
                ),
                severity=rules.KIND_SEVERITY[AlertKind.PROMPT_NON_COMPLIANCE],
                behind=window,
            ),
            now=now,
        )
        if made is not None:
            raised.append(made.pk)
    return raised


def detect_all(*, now: dt.datetime, written_after: dt.datetime | None = None) -> list[uuid.UUID]:
    """Every kind of this module, as the scan runs them (the backstop of the events). ``written_after``: the kinds a
    record brings look only at the records written since then (the minute's scan: since the last one, with a margin);
    None, at those of the whole BACKSTOP (a scan by hand). Refused to offer again looks at the windows closed since
    (or the whole look-back); the transcription check at its own window either way."""
    w = written_after
    raised: list[uuid.UUID] = []
    raised += detect_refused_to_offer_again(now=now, written_after=w)
    raised += detect_repeated_refusals(now=now, written_after=w)
    raised += detect_repeated_omissions(now=now, written_after=w)
    raised += detect_prn_patterns(now=now, written_after=w)
    raised += detect_prompts_not_confirmed(now=now, written_after=w)
    raised += detect_readings_outside_rule(now=now, written_after=w)
    raised += detect_allergy_overrides(now=now, written_after=w)
    raised += detect_late_recordings(now=now, written_after=w)
    raised += detect_transcription_outstanding(now=now)
    raised += detect_dosing_instruction_missing(now=now)
    raised += detect_visits_not_closed(now=now)
    raised += detect_prompt_non_compliance(now=now, written_after=w)
    return raised
