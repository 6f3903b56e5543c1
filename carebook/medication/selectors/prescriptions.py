"""Reads for the prescription pages: medicine search, what was entered, versions, events, actions.

Each function costs a fixed number of queries (a version history costs one
per version, which is bounded by the number of changes, never by people).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from carebook.access.models import Role
from carebook.access.policy import POLICY, Action, can
from carebook.core.text import minutes_text
from carebook.medication import rules, wording
from carebook.medication.access import may_check_transcription
from carebook.medication.facts import sent_back
from carebook.medication.models import (
    Medicine,
    Prescription,
    PrescriptionEvent,
    PrescriptionStatus,
    RequiredCheck,
    TranscriptionCheck,
)
from carebook.medication.selectors.common import transcription_check_of
from carebook.medication.wording import and_list, course_text, schedule_text
from carebook.people.models import Person

SEARCH_LIMIT = 25
# Statuses in which a prescription can still be changed, stopped or checked (the services decide; the
# page only offers what the services would accept).


# --- Medicines ----------------------------------------------------------------------


@dataclass(frozen=True)
class MedicineOption:
    medicine: Medicine
    flags: list[str]


@dataclass(frozen=True)
class MedicineSearch:
    query: str
    options: list[MedicineOption]
    more: bool  # more matched than are shown: type more of the name
    searched: bool  # a search was made (so "no matches" can be said)
    selected: Medicine | None = None  # the medicine already chosen, listed first


def medicine_search(query: str, *, keep_id: Any = None, limit: int = SEARCH_LIMIT) -> MedicineSearch:
    """Medicines whose name, strength or dm+d code match every word typed, the already chosen one first."""
    query = (query or "").replace("\x00", "").strip()[:100]  # a NUL cannot be searched for (nor stored)
    words = query.split()[:6]
    kept = _medicine(keep_id)
    medicines: list[Medicine] = [kept] if kept is not None else []
    more = False
    searched = len(query) >= 2
    if searched:
        condition = Q()
        for word in words:
            condition &= Q(name__icontains=word) | Q(strength__icontains=word) | Q(dmd_code=word)
        matches = list(Medicine.objects.filter(condition).order_by("name", "strength")[: limit + 1])
        more = len(matches) > limit
        medicines += [m for m in matches[:limit] if kept is None or m.pk != kept.pk]
    return MedicineSearch(
        query=query,
        options=[MedicineOption(m, medicine_flags(m)) for m in medicines],
        more=more,
        searched=searched,
        selected=kept,
    )


def _medicine(medicine_id: Any) -> Medicine | None:
    text = str(medicine_id or "").strip()
    is_id = text.isascii() and text.isdigit() and len(text) < 12
    return Medicine.objects.filter(pk=int(text)).first() if is_id else None


def medicine_flags(medicine: Medicine) -> list[str]:
    return [flag.text for flag in wording.medicine_flags(medicine)]


# --- What was entered ---------------------------------------------------------------------


def _check_text(prescription: Prescription) -> str:
    if prescription.required_check:
        return RequiredCheck(prescription.required_check).label
    if prescription.medicine.required_check:
        return f"{RequiredCheck(prescription.medicine.required_check).label} (asked by the medicine)"
    return "None"


def _limits_text(prescription: Prescription) -> str:
    """'Do not give if pulse below 60 beats per minute. Tell the senior on shift and the GP.' (ADR 0017)"""
    rule = prescription.reading_rule
    return rule.text if rule is not None else "None"


def _end_text(prescription: Prescription) -> str:
    if prescription.end_date is None:
        return "No end date"
    text = f"{prescription.end_date:%-d %B %Y}"
    if prescription.course_days:
        text += f" (a course of {prescription.course_days} day{'s' if prescription.course_days != 1 else ''})"
    return text


def _course_text(prescription: Prescription) -> str:
    """The course counted in doses (ADR 0020): how many, the first and the last."""
    return course_text(prescription) or "Not a course counted in doses"


def _gap_text(prescription: Prescription) -> str:
    if prescription.is_prn:
        return "Not for a when-required medicine"
    if prescription.min_gap_minutes:
        return f"At least {minutes_text(prescription.min_gap_minutes)} before the next dose"
    return "The usual rule: at least half the time between the two doses"


@dataclass(frozen=True)
class Detail:
    key: str
    label: str
    value: str


def _applied_text(prescription: Prescription) -> str:
    return rules.sites.applied_text(prescription.apply_to, prescription.get_apply_how_display())


def prescription_details(prescription: Prescription) -> list[Detail]:
    """Everything entered, in the order of the form, as the page and the comparison of versions show it."""
    rows = [
        ("medicine", "Medicine", str(prescription.medicine)),
        ("dose", "Dose", prescription.dose_text),
        ("route", "Route", prescription.route),
        ("directions", "Prescriber's directions (as written)", prescription.directions),
        ("indication", "What it is for", prescription.indication or "Not given"),
        ("instructions", "Instructions", prescription.instructions or "None"),
        ("required_check", "Check before the dose", _check_text(prescription)),
        ("reading_limits", "Limits for the reading", _limits_text(prescription)),
        ("schedule", "When", schedule_text(prescription, detailed=True)),
        ("start_date", "Start date", f"{prescription.start_date:%-d %B %Y}"),
        ("end_date", "End date", _end_text(prescription)),
        *((("course", "Course", _course_text(prescription)),) if prescription.course_days else ()),
        ("min_gap", "If a dose is given late", _gap_text(prescription)),
        *(
            (("site_gap", "Site", rules.sites.rotation_text(prescription.site_gap)),)
            if prescription.medicine.site_recorded
            else ()
        ),
        *(
            (
                (
                    "apply_to",
                    "Where it goes",
                    rules.sites.applied_text(prescription.apply_to, prescription.get_apply_how_display()),
                ),
            )
            if prescription.medicine.is_topical
            else ()
        ),
        *(
            (("dose_from_instructions", "Dose of each day", "From the anticoagulant clinic's checked instructions"),)
            if prescription.dose_from_instructions
            else ()
        ),
        ("prescriber", "Prescriber", prescription.prescriber),
        ("source", "Source", prescription.get_source_display()),
    ]
    return [Detail(*row) for row in rows]


# --- Versions and events -----------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


@dataclass
class Version:
    prescription: Prescription
    number: int
    is_viewed: bool
    reason: str = ""
    changes: list[Change] = field(default_factory=list)


def _versions() -> Any:
    return Prescription.objects.select_related("medicine", "entered_by", "person")


def version_chain(prescription: Prescription) -> list[Prescription]:
    """Every version of this prescription, oldest first (back through ``supersedes``, then forward)."""
    older: list[Prescription] = []
    current = prescription
    seen = {prescription.pk}
    while current.supersedes_id is not None and current.supersedes_id not in seen:
        previous = _versions().filter(pk=current.supersedes_id).first()
        if previous is None:
            break
        older.insert(0, previous)
        seen.add(previous.pk)
        current = previous
    newer: list[Prescription] = []
    current = prescription
    while True:
        following = _versions().filter(supersedes_id=current.pk).first()
        if following is None or following.pk in seen:
            break
        newer.append(following)
        seen.add(following.pk)
        current = following
    return [*older, prescription, *newer]


def differences(before: Prescription, after: Prescription) -> list[Change]:
    old = {d.key: d for d in prescription_details(before)}
    return [
        Change(d.label, old[d.key].value, d.value) for d in prescription_details(after) if old[d.key].value != d.value
    ]


@dataclass(frozen=True)
class EventRow:
    version: int
    kind: str
    label: str
    by: str
    at: dt.datetime
    reason: str


@dataclass
class History:
    versions: list[Version]
    events: list[EventRow]
    checks: dict[Any, TranscriptionCheck]

    @property
    def current(self) -> Prescription:
        return self.versions[-1].prescription


def prescription_history(prescription: Prescription) -> History:
    chain = version_chain(prescription)
    numbers = {p.pk: i for i, p in enumerate(chain, start=1)}
    events = list(
        PrescriptionEvent.objects.filter(prescription_id__in=numbers).select_related("by").order_by("at", "id")
    )
    created_reason = {e.prescription_id: e.reason for e in events if e.kind == PrescriptionEvent.Kind.CREATED}
    versions = []
    for i, version in enumerate(chain):
        versions.append(
            Version(
                prescription=version,
                number=i + 1,
                is_viewed=version.pk == prescription.pk,
                reason=created_reason.get(version.pk, "") if i else "",
                changes=differences(chain[i - 1], version) if i else [],
            )
        )
    checks = {
        c.prescription_id: c
        for c in TranscriptionCheck.objects.filter(prescription_id__in=numbers).select_related("checked_by")
    }
    rows = [
        EventRow(
            version=numbers[e.prescription_id],
            kind=e.kind,
            label=e.get_kind_display(),
            by=e.by.display_name,
            at=e.at,
            reason=e.reason,
        )
        for e in events
    ]
    return History(versions=versions, events=rows, checks=checks)


# --- What the viewer may do ------------------------------------------------------------------


def _roles_text(action: Action) -> str:
    labels = [role.label.lower() for role in Role if role in POLICY.get(action, frozenset())]
    return and_list(labels) or "nobody"


def checker_roles_text() -> str:
    """Who may do a transcription check, from the one policy table: "senior carer, team leader or ..."."""
    text = _roles_text(Action.CHECK_TRANSCRIPTION)
    head, sep, last = text.rpartition(" and ")
    return f"{head} or {last}" if sep else text


def awaiting_check(prescription: Prescription, checked: bool) -> bool:
    return (
        prescription.transcription_check_required
        and not checked
        and rules.lifecycle_allows(rules.Change.CHECK_TRANSCRIPTION, prescription.status)
    )


def who_must_check(user: Any, prescription: Prescription) -> str:
    """For an entry awaiting its check that this viewer cannot check: who can."""
    roles = checker_roles_text()
    if prescription.entered_by_id == getattr(user, "pk", None):
        return f"You entered this, so someone else must check it: a {roles} who did not enter it."
    return f"A {roles} who did not enter it must check it."


@dataclass(frozen=True)
class Actions:
    change: bool
    suspend: bool
    resume: bool
    discontinue: bool
    check: bool
    awaiting_check: bool
    who_must_check: str
    sent_back: PrescriptionEvent | None = None  # the checker's latest query or rejection of this entry (H07)

    @property
    def rejected(self) -> bool:
        return self.sent_back is not None and self.sent_back.kind == PrescriptionEvent.Kind.TRANSCRIPTION_REJECTED

    @property
    def any_manage(self) -> bool:
        return self.change or self.suspend or self.resume or self.discontinue


def prescription_actions(user: Any, prescription: Prescription, checked: bool) -> Actions:
    """What to offer on the page. The services enforce the same; this only avoids offering a dead end."""
    manage = can(user, Action.MANAGE_PRESCRIPTIONS)
    status = prescription.status
    waiting = awaiting_check(prescription, checked)
    back = sent_back(prescription) if waiting else None
    rejected = back is not None and back.kind == PrescriptionEvent.Kind.TRANSCRIPTION_REJECTED
    may_check = waiting and not rejected and may_check_transcription(user, prescription)
    return Actions(
        change=manage and rules.lifecycle_allows(rules.Change.CHANGE, status),
        suspend=manage and rules.lifecycle_allows(rules.Change.SUSPEND, status),
        resume=manage and rules.lifecycle_allows(rules.Change.RESUME, status),
        discontinue=manage and rules.lifecycle_allows(rules.Change.DISCONTINUE, status),
        check=may_check,
        awaiting_check=waiting,
        who_must_check="" if may_check or not waiting or rejected else who_must_check(user, prescription),
        sent_back=back,
    )


# --- A person's prescriptions -----------------------------------------------------------------


@dataclass
class Row:
    prescription: Prescription
    schedule: str
    awaiting_check: bool


@dataclass
class Group:
    status: str
    title: str
    rows: list[Row]


GROUP_TITLES = [
    (PrescriptionStatus.ACTIVE, "Current"),
    (PrescriptionStatus.SUSPENDED, "Suspended"),
    (PrescriptionStatus.DISCONTINUED, "Discontinued"),
    (PrescriptionStatus.SUPERSEDED, "Earlier versions (replaced by a change)"),
]


def person_prescription_groups(person: Person) -> list[Group]:
    """Current and past prescriptions, grouped by status, in one query."""
    prescriptions = (
        Prescription.objects.filter(person=person)
        .select_related("medicine", "entered_by", "transcription_check")
        .order_by("medicine__name", "-entered_at")
    )
    groups = {status: Group(status=status, title=title, rows=[]) for status, title in GROUP_TITLES}
    for prescription in prescriptions:
        checked = transcription_check_of(prescription) is not None
        groups[PrescriptionStatus(prescription.status)].rows.append(
            Row(prescription, schedule_text(prescription, detailed=True), awaiting_check(prescription, checked))
        )
    return list(groups.values())
