"""The incidents' JSON shapes: what comes in (strict, extra fields refused: who and when are the server's) and what
goes out. Coded fields are typed from the vocabularies, so the OpenAPI lists their values; what an incident, a
candour record or a sign-off must say across fields is the rules' to refuse (422 with the field)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from carebook.actions.api import CorrectiveActionKind, CorrectiveActionOut
from carebook.core.schemas import _NOT_BLANK, LongText, RequiredLongText, _no_nul, _not_blank
from carebook.incidents.vocab import CandourTold, Harm, IncidentKind, IncidentStatus, Party
from carebook.medication.api.schemas import Day, Moment, StaffRef, StrictIn
from carebook.people.api.schemas import PersonRef

Reference = Annotated[str, Field(max_length=100), _NOT_BLANK, AfterValidator(_no_nul), AfterValidator(_not_blank)]
Username = Annotated[str, Field(min_length=1, max_length=150)]


# --- Out -----------------------------------------------------------------------------------------------------------


class IncidentOut(BaseModel):
    id: uuid.UUID
    kind: IncidentKind
    kind_label: str
    status: IncidentStatus
    harm: Harm
    what_happened: str
    occurred_at: dt.datetime
    discovered_at: dt.datetime
    immediate_actions: str
    location_id: uuid.UUID
    person: PersonRef | None
    prescription_id: uuid.UUID | None
    medicine: str | None
    due_dose_id: uuid.UUID | None
    administration_id: uuid.UUID | None
    alert_id: uuid.UUID | None = Field(description="The alert it was opened from.")
    reported_by: StaffRef
    reported_at: dt.datetime
    signed_off_by: StaffRef | None
    signed_off_at: dt.datetime | None
    open_actions: int = Field(description="Corrective actions not yet completed.")
    overdue_actions: int = Field(description="Corrective actions still open after their due day.")


class IncidentListOut(BaseModel):
    incidents: list[IncidentOut] = Field(description="Those with an overdue action first, then the newest first.")


class NoticeOut(BaseModel):
    id: uuid.UUID
    party: Party
    told_at: dt.datetime
    note: str
    by: StaffRef
    at: dt.datetime


class CqcOut(BaseModel):
    id: uuid.UUID
    notified_at: dt.datetime
    reference: str
    by: StaffRef
    at: dt.datetime


class CandourOut(BaseModel):
    id: uuid.UUID
    told: CandourTold
    told_on: dt.date
    apology: bool
    written_on: dt.date
    note: str
    by: StaffRef
    at: dt.datetime


class FindingOut(BaseModel):
    id: uuid.UUID
    text: str
    by: StaffRef
    at: dt.datetime


class TimelineEntryOut(BaseModel):
    action: str = Field(description="The audit action, as stored (e.g. incident.reported).")
    what: str
    by: str
    at: dt.datetime
    details: list[str]


class IncidentDetail(IncidentOut):
    staff: list[StaffRef] = Field(description="The staff involved.")
    notices: list[NoticeOut]
    cqc_notifications: list[CqcOut]
    candour: list[CandourOut]
    findings: list[FindingOut]
    actions: list[CorrectiveActionOut]
    cqc_notification_required: bool = Field(
        description="Moderate harm or worse, or a safeguarding referral (CQC Registration Regulations 2009, reg. 18)."
    )
    candour_required: bool = Field(description="Moderate harm or worse (Regulation 20, duty of candour).")
    sign_off_problems: list[str] = Field(description="What still stands in the way of sign-off (none: it may close).")
    timeline: list[TimelineEntryOut] = Field(description="Everything that happened to it, oldest first.")


# --- In ------------------------------------------------------------------------------------------------------------


class IncidentIn(StrictIn):
    """Report an incident. With ``alert_id`` the person, medicine, dose and location are the alert's (and
    ``person_id`` is ignored). Without a person, ``location_id`` (needed when the caller works at more than one).
    ``discovered_at`` is not before ``occurred_at``, and neither is in the future (422)."""

    kind: IncidentKind
    what_happened: RequiredLongText
    occurred_at: Moment
    discovered_at: Moment
    harm: Harm
    immediate_actions: LongText = ""
    alert_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None
    location_id: uuid.UUID | None = None
    prescription_id: uuid.UUID | None = None
    due_dose_id: uuid.UUID | None = None
    administration_id: uuid.UUID | None = None
    staff: list[Username] = Field(default_factory=list, max_length=50, description="Usernames of the staff involved.")


class NoticeIn(StrictIn):
    """Who was told (a safeguarding referral makes the CQC notification required), and when (not in the future,
    not before the incident)."""

    party: Party
    told_at: Moment
    note: LongText = ""


class CqcIn(StrictIn):
    notified_at: Moment
    reference: Reference = Field(description="The reference the CQC gave the notification.")


class CandourIn(StrictIn):
    """The duty of candour: who was told, when, with an apology (must be true), and when it was put in writing (on or
    after ``told_on``; neither before the incident nor in the future)."""

    told: CandourTold
    told_on: Day
    apology: Literal[True] = Field(description="An apology was given: the duty of candour needs one.")
    written_on: Day
    note: LongText = ""


class FindingIn(StrictIn):
    text: RequiredLongText


class ActionIn(StrictIn):
    """A corrective action: its owner (a username of the home's staff), due by (today to a year ahead)."""

    kind: CorrectiveActionKind
    what: RequiredLongText
    owner: Username
    due_on: Day


class CompleteIn(StrictIn):
    note: RequiredLongText = Field(description="What was done to complete it.")


class SignOffIn(StrictIn):
    note: LongText = ""
