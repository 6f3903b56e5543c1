"""Safety-prompt compliance as JSON: ``GET /reports/prompt-compliance`` (ADR 0030).

The figures are ``reports.compliance.prompt_compliance``, the same function the page calls; each figure's
definition is ``rules.compliance.DEFINITIONS``, returned beside the figures.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.http import HttpRequest
from ninja import Query, Router, Schema

from carebook.access.api import READ_ERRORS, caller
from carebook.access.policy import Action, require
from carebook.core.errors import ValidationFailed
from carebook.medication.rules.compliance import DEFINITIONS, Figures, check_grouping, check_period
from carebook.people.access import access_location_for_user
from carebook.reports.compliance import ComplianceReport, prompt_compliance

router = Router(tags=["reports"])

LOCATION = Query(..., description="The location's id.")
FROM = Query(..., alias="from", description="The first day, YYYY-MM-DD (Europe/London).")
TO = Query(..., alias="to", description="The day after the last, YYYY-MM-DD: the period is [from, to).")
GROUP_BY = Query("staff", description="staff, unit, week or month.")


class FiguresOut(Schema):
    walks: int
    shown: int
    confirmed: int
    failed: int
    skipped: int
    unanswered: int
    abandoned: int
    without_full_prompts: int
    rate: Decimal | None


class GroupOut(Schema):
    key: str
    label: str
    figures: FiguresOut


class PromptComplianceOut(Schema):
    location_id: uuid.UUID
    start: dt.date
    end: dt.date
    group_by: str
    total: FiguresOut
    groups: list[GroupOut]
    definitions: dict[str, str]


def parse_day(value: str | None, field: str) -> dt.date | None:
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed("A date as YYYY-MM-DD.", field=field) from None


def figures_out(f: Figures) -> FiguresOut:
    return FiguresOut(
        walks=f.walks,
        shown=f.shown,
        confirmed=f.confirmed,
        failed=f.failed,
        skipped=f.skipped,
        unanswered=f.unanswered,
        abandoned=f.abandoned,
        without_full_prompts=f.without_full_prompts,
        rate=f.rate,
    )


def report_out(report: ComplianceReport) -> PromptComplianceOut:
    return PromptComplianceOut(
        location_id=report.location_id,
        start=report.start,
        end=report.end,
        group_by=report.group_by,
        total=figures_out(report.total),
        groups=[GroupOut(key=r.key, label=r.label, figures=figures_out(r.figures)) for r in report.rows],
        definitions=DEFINITIONS,
    )


@router.get(
    "/reports/prompt-compliance",
    response={200: PromptComplianceOut, **READ_ERRORS},
    operation_id="prompt_compliance",
)
def prompt_compliance_report(
    request: HttpRequest,
    location: str = LOCATION,
    start: str = FROM,
    end: str = TO,
    group_by: str = GROUP_BY,
) -> PromptComplianceOut:
    """Safety prompts shown, confirmed, failed, skipped and unanswered; walks abandoned; dose records without their
    full prompts; the compliance rate (confirmed ÷ shown); for a location and a period, grouped by member of staff,
    unit, week or month. Each figure's definition is in `definitions`. Team leaders, coordinators and registered
    managers; a location out of scope is 404."""
    user = caller(request)
    place = access_location_for_user(user, location)
    require(user, Action.VIEW_COMPLIANCE)
    first, after = check_period(parse_day(start, "from"), parse_day(end, "to"))
    grouping = check_grouping(group_by)
    return report_out(prompt_compliance(location_id=place.pk, start=first, end=after, group_by=grouping))
