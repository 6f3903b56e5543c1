"""The MAR chart of one person for one month or one pharmacy cycle: JSON, or the printable PDF.

The chart is built once by ``selectors.mar.mar_chart`` for the page, the PDF and the API alike.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from carebook.access.policy import Action
from carebook.medication.api.common import READ_ERRORS, caller
from carebook.medication.api.schemas import CYCLE_PATTERN, MONTH_PATTERN, MarChartOut
from carebook.medication.pdf import mar_pdf_response
from carebook.medication.selectors.mar import MarChart, chart_for, mar_chart_as_json
from carebook.people.access import access_person_for_user
from carebook.people.models import Person

router = Router(tags=["MAR chart"])

PDF = "application/pdf"
PDF_CONTENT = {PDF: {"schema": {"type": "string", "format": "binary"}}}
MONTH = Query(
    None,
    pattern=MONTH_PATTERN,
    description="The calendar month, YYYY-MM (Europe/London days). With neither month nor cycle: the location's "
    "current pharmacy cycle where it keeps one, else this month.",
)
CYCLE = Query(
    None,
    pattern=CYCLE_PATTERN,
    description="Any day, YYYY-MM-DD, of the pharmacy cycle wanted (the location's cycle start and length; the "
    "calendar month of that day where the location keeps the MAR by month). Wins over month.",
)


def _chart(request: HttpRequest, person_id: uuid.UUID, month: str | None, cycle: str | None) -> tuple[Person, MarChart]:
    person = access_person_for_user(caller(request), person_id, Action.VIEW_MAR)
    return person, chart_for(person, month=month, cycle=cycle)


def _pdf(person: Person, chart: MarChart) -> HttpResponse:
    return mar_pdf_response(person, chart)


def _wants_pdf(request: HttpRequest) -> bool:
    accept = request.headers.get("Accept", "")
    return PDF in accept and "application/json" not in accept


@router.get(
    "/people/{person_id}/mar",
    response={200: MarChartOut, **READ_ERRORS},
    operation_id="mar_chart",
    openapi_extra={
        "responses": {
            200: {
                "description": "The MAR chart as JSON; as a PDF when the request says `Accept: application/pdf`.",
                "content": PDF_CONTENT,
            }
        }
    },
)
def mar_chart(request: HttpRequest, person_id: uuid.UUID, month: str | None = MONTH, cycle: str | None = CYCLE) -> Any:
    """A person's MAR chart for a month: prescriptions × times × days with codes and initials, PRN doses,
    doses not given with their reasons, corrections, the key and the staff who signed."""
    person, chart = _chart(request, person_id, month, cycle)
    if _wants_pdf(request):
        return _pdf(person, chart)
    return mar_chart_as_json(chart)


@router.get(
    "/people/{person_id}/mar.pdf",
    response={200: None, **READ_ERRORS},
    operation_id="mar_chart_pdf",
    openapi_extra={"responses": {200: {"description": "The MAR chart, A4 landscape.", "content": PDF_CONTENT}}},
)
def mar_chart_pdf(
    request: HttpRequest, person_id: uuid.UUID, month: str | None = MONTH, cycle: str | None = CYCLE
) -> HttpResponse:
    """The same chart as an A4 landscape PDF, ready to print."""
    person, chart = _chart(request, person_id, month, cycle)
    return _pdf(person, chart)
