"""The rules of a medication incident, pure (no Django): when the CQC must be notified, when the duty of candour
applies and what it needs, and what sign-off needs. Pages, the API and the seed call these; none repeats them.

**CQC notification.** The Care Quality Commission (Registration) Regulations 2009, Regulation 18 ("Notification of
other incidents"), requires a registered provider to notify the CQC without delay of, among others, an injury to a
person using the service that needs treatment to prevent death or serious harm, and any abuse or allegation of
abuse (a safeguarding concern); a death of a person using the service is notified under Regulation 16. For this
product the rule is: harm moderate or worse (moderate, severe, death), or a referral to local authority
safeguarding. The product says when a notification is required and records that it was made (when, reference);
deciding the notification's content is the registered manager's.

**Duty of candour.** The Health and Social Care Act 2008 (Regulated Activities) Regulations 2014, Regulation 20:
after a notifiable safety incident the person (or their family or representative) is told, an apology is given,
and it is followed up in writing. For this product: harm moderate or worse. Sign-off is refused until a candour
record says who was told, when, that an apology was given, and when it was put in writing.

**Sign-off.** By the registered manager only (the policy table), of an incident under review, with at least one
finding, no corrective action still open, the candour record where required and the CQC notification where
required.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from carebook.core.errors import Conflict, ValidationFailed
from carebook.incidents.vocab import Harm, IncidentStatus, Party

SERIOUS_HARM = frozenset({Harm.MODERATE, Harm.SEVERE, Harm.DEATH})


def cqc_notification_required(*, harm: str, safeguarding_referral: bool) -> bool:
    """CQC Regulation 18 (Regulation 16 for a death), for this product: moderate harm or worse, or safeguarding."""
    return harm in SERIOUS_HARM or safeguarding_referral


def candour_required(*, harm: str) -> bool:
    """Regulation 20 duty of candour, for this product: moderate harm or worse."""
    return harm in SERIOUS_HARM


@dataclass(frozen=True)
class CandourInput:
    told: str  # CandourTold
    told_on: dt.date | None
    apology: bool
    written_on: dt.date | None
    note: str = ""


def check_candour(candour: CandourInput, *, today: dt.date, occurred_on: dt.date) -> None:
    """A candour record is whole: who was told, when, with an apology, and when it was put in writing."""
    if not candour.told:
        raise ValidationFailed("Choose who was told (the person, their family or representative).", field="told")
    if candour.told_on is None:
        raise ValidationFailed("Enter the date they were told.", field="told_on")
    if not candour.apology:
        raise ValidationFailed("The duty of candour needs an apology: confirm one was given.", field="apology")
    if candour.written_on is None:
        raise ValidationFailed("Enter the date it was put in writing (the letter).", field="written_on")
    for field, day in (("told_on", candour.told_on), ("written_on", candour.written_on)):
        if day > today:
            raise ValidationFailed("The date cannot be in the future.", field=field)
        if day < occurred_on:
            raise ValidationFailed("The date cannot be before the incident happened.", field=field)
    if candour.written_on < candour.told_on:
        raise ValidationFailed("It is put in writing after the person is told, not before.", field="written_on")


def check_times(*, occurred_at: dt.datetime | None, discovered_at: dt.datetime | None, now: dt.datetime) -> None:
    if occurred_at is None:
        raise ValidationFailed("Enter when it happened.", field="occurred_at")
    if discovered_at is None:
        raise ValidationFailed("Enter when it was discovered.", field="discovered_at")
    if occurred_at > now:
        raise ValidationFailed("When it happened cannot be in the future.", field="occurred_at")
    if discovered_at > now:
        raise ValidationFailed("When it was discovered cannot be in the future.", field="discovered_at")
    if discovered_at < occurred_at:
        raise ValidationFailed("It cannot be discovered before it happened.", field="discovered_at")


def check_told_at(*, told_at: dt.datetime | None, occurred_at: dt.datetime, now: dt.datetime, field: str) -> None:
    if told_at is None:
        raise ValidationFailed("Enter when.", field=field)
    if told_at > now:
        raise ValidationFailed("The time cannot be in the future.", field=field)
    if told_at < occurred_at:
        raise ValidationFailed("The time cannot be before the incident happened.", field=field)


@dataclass(frozen=True)
class SignOffFacts:
    status: str
    harm: str
    findings: int
    open_actions: int
    candour_recorded: bool
    cqc_notified: bool
    parties_told: frozenset[str]


def needs_cqc(facts: SignOffFacts) -> bool:
    return cqc_notification_required(harm=facts.harm, safeguarding_referral=Party.SAFEGUARDING in facts.parties_told)


def sign_off_problems(facts: SignOffFacts) -> list[tuple[str, str, str]]:
    """What still stands in the way of sign-off, as (code, field, message): the page lists them before the button,
    and ``check_sign_off`` refuses with the first."""
    problems: list[tuple[str, str, str]] = []
    if facts.status == IncidentStatus.CLOSED:
        return [("already_closed", "status", "This incident is signed off and closed.")]
    if facts.findings == 0:
        problems.append(("findings_required", "findings", "Record the investigation's findings before signing off."))
    if facts.open_actions:
        word = "action is" if facts.open_actions == 1 else "actions are"
        problems.append(
            ("open_actions", "actions", f"{facts.open_actions} corrective {word} still open: complete them first.")
        )
    if candour_required(harm=facts.harm) and not facts.candour_recorded:
        problems.append(
            (
                "candour_required",
                "candour",
                "Moderate harm or worse: record the duty of candour (who was told, when, the apology, the letter).",
            )
        )
    if needs_cqc(facts) and not facts.cqc_notified:
        problems.append(("cqc_notification_required", "cqc", "Record the CQC notification (when, its reference)."))
    return problems


def check_sign_off(facts: SignOffFacts) -> None:
    problems = sign_off_problems(facts)
    if not problems:
        return
    code, field, message = problems[0]
    if code in {"already_closed", "open_actions"}:
        raise Conflict(message, code=code, field=field)
    raise ValidationFailed(message, code=code, field=field)


def check_open(status: str) -> None:
    """Nothing more is recorded on a signed-off incident (a new incident is reported instead)."""
    if status == IncidentStatus.CLOSED:
        raise Conflict("This incident is signed off and closed: nothing more can be recorded on it.", code="closed")
