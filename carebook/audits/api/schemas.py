"""The governance audits' JSON shapes: what comes in (strict, extra fields refused: who and when are the server's)
and what goes out. Coded fields are typed from the vocabularies, so the OpenAPI lists their values; what an answer
or a finding must say is the rules' to refuse (422 with the field)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import BaseModel, Field

from carebook.actions.api import CorrectiveActionKind, CorrectiveActionOut
from carebook.audits.vocab import AnswerType, AuditStatus, ConductedBy, Frequency, SlotState
from carebook.core.schemas import LongText, RequiredLongText
from carebook.medication.api.schemas import Day, StaffRef, StrictIn

Username = Annotated[str, Field(min_length=1, max_length=150)]

# --- Out -----------------------------------------------------------------------------------------------------------


class AuditQuestionOut(BaseModel):
    id: uuid.UUID
    position: int
    text: str
    guidance: str
    answer_type: AnswerType
    no_needs_action: bool = Field(description="A 'no' needs a finding with a corrective action before signing.")
    evidence: str | None = Field(description="The governance figure shown beside it (a key of /reports/figures).")


class AuditTemplateOut(BaseModel):
    id: uuid.UUID
    key: str
    frequency: Frequency
    conducted_by: ConductedBy = Field(description="The least senior role who does it.")
    grace_days: int = Field(description="Days after its period's last day it is due by.")
    starts_on: dt.date
    version: int = Field(description="Its latest version: the one an audit started now is answered against.")
    title: str
    purpose: str
    questions: list[AuditQuestionOut]


class AuditTemplateListOut(BaseModel):
    templates: list[AuditTemplateOut]


class AuditDueOut(BaseModel):
    """One template's period at one location, whether or not it was started."""

    template_id: uuid.UUID
    template_key: str
    title: str
    location_id: uuid.UUID
    period_start: dt.date
    period_last_day: dt.date
    due_on: dt.date = Field(description="Signed by the end of this day (the home's date) is on time.")
    state: SlotState
    audit_id: uuid.UUID | None = Field(description="The audit, once started.")


class AuditDueListOut(BaseModel):
    audits: list[AuditDueOut] = Field(description="The most recent due day first.")


class AuditAnswerOut(BaseModel):
    id: uuid.UUID
    value: str
    note: str
    by: StaffRef
    at: dt.datetime


class AuditEvidenceOut(BaseModel):
    key: str
    name: str
    value: str = Field(description='In words, as on the page ("92.5%", "3", "none").')
    detail: str = Field(description='"37 of 40", or empty.')


class AuditAnsweredQuestionOut(AuditQuestionOut):
    answer: AuditAnswerOut | None = Field(description="The answer that counts (the latest).")
    earlier: list[AuditAnswerOut] = Field(description="Answers it replaced, first to last.")
    evidence_figure: AuditEvidenceOut | None = Field(
        description="The figure it names, for the audit's period and home."
    )


class AuditFindingOut(BaseModel):
    id: uuid.UUID
    question_id: uuid.UUID | None
    text: str
    action_id: uuid.UUID | None = Field(description="Its corrective action (in ``actions``).")
    no_action_reason: str
    by: StaffRef
    at: dt.datetime


class AuditAddendumOut(BaseModel):
    id: uuid.UUID
    text: str
    by: StaffRef
    at: dt.datetime


class AuditDetail(BaseModel):
    id: uuid.UUID
    template_id: uuid.UUID
    template_key: str
    version: int
    title: str
    location_id: uuid.UUID
    period_start: dt.date
    period_last_day: dt.date
    due_on: dt.date
    status: AuditStatus
    started_by: StaffRef
    started_at: dt.datetime
    signed_by: StaffRef | None
    signed_at: dt.datetime | None
    sign_note: str
    questions: list[AuditAnsweredQuestionOut]
    findings: list[AuditFindingOut]
    actions: list[CorrectiveActionOut]
    addenda: list[AuditAddendumOut]
    sign_problems: list[str] = Field(description="What still stands in the way of signing (none: it may be signed).")


# --- In ------------------------------------------------------------------------------------------------------------


class AuditStartIn(StrictIn):
    """Start the audit of the period holding ``day`` (today when left out) at ``location_id``. 409
    ``already_started`` names the audit someone started first (``audit``)."""

    location_id: uuid.UUID
    template_id: uuid.UUID
    day: Day | None = None


class AuditAnswerIn(StrictIn):
    question_id: uuid.UUID
    value: RequiredLongText = Field(description="yes, no or na; a whole number; or text, by the question's type.")
    note: LongText = ""


class AuditAnswersIn(StrictIn):
    """Answers, all checked before any is written (a refusal names the question and writes nothing); only what
    changed is written."""

    answers: list[AuditAnswerIn] = Field(min_length=1, max_length=100)


class AuditFindingActionIn(StrictIn):
    """The corrective action set with a finding: its owner (a username of the home's staff), due by (today to a
    year ahead)."""

    kind: CorrectiveActionKind
    what: RequiredLongText
    owner: Username
    due_on: Day


class AuditFindingIn(StrictIn):
    """What the audit found: with a corrective action, or the reason none is needed (one of the two, 422)."""

    text: RequiredLongText
    question_id: uuid.UUID | None = None
    action: AuditFindingActionIn | None = None
    no_action_reason: LongText = ""


class AuditCompleteIn(StrictIn):
    note: RequiredLongText = Field(description="What was done to complete it.")


class AuditSignIn(StrictIn):
    note: LongText = ""


class AuditAddendumIn(StrictIn):
    text: RequiredLongText
