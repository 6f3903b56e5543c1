"""Governance audits' vocabulary: how often an audit falls due, who does it, how a question is answered, and where
an audit stands (one spelling everywhere: models, rules, pages, API)."""

from __future__ import annotations

from carebook.core.vocab import Vocabulary


class Frequency(Vocabulary):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly (Monday to Sunday)"
    MONTHLY = "monthly", "Monthly (a calendar month)"


class ConductedBy(Vocabulary):
    """The least senior role who may do an audit of a template (and everyone above it)."""

    TEAM_LEADER = "team_leader", "Team leader or above"
    REGISTERED_MANAGER = "registered_manager", "Registered manager"


class AnswerType(Vocabulary):
    YES_NO = "yes_no", "Yes, no or not applicable"
    NUMBER = "number", "A number"
    TEXT = "text", "Text"


class YesNo(Vocabulary):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_APPLICABLE = "na", "Not applicable"


class AuditStatus(Vocabulary):
    IN_PROGRESS = "in_progress", "In progress"
    SIGNED = "signed", "Completed and signed"


class SlotState(Vocabulary):
    """Where one due audit (a template's period at a location) stands on a given day."""

    DUE = "due", "Due"
    IN_PROGRESS = "in_progress", "In progress"
    OVERDUE = "overdue", "Overdue"
    DONE_ON_TIME = "done_on_time", "Completed on time"
    DONE_LATE = "done_late", "Completed late"
