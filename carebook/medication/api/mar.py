"""The MAR chart of one person for one month: JSON, or the printable PDF.

The chart is built once by ``selectors.mar.mar_chart`` for the page, the PDF and the API alike.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from carebook.access.policy import Action
from carebook.medication.api.common import READ_ERRORS, caller
from carebook.medication.api.schemas import MONTH_PATTERN, MarChartOut
from carebook.medication.pdf import mar_pdf_response
from carebook.medication.selectors.mar import MarChart, mar_chart_as_json, parse_month
from carebook.medication.selectors.mar import mar_chart as build_mar_chart
from carebook.people.access import access_person_for_user
from carebook.people.models import Person

router = Router(tags=["MAR chart"])

PDF = "application/pdf"
PDF_CONTENT = {PDF: {"schema": {"type": "string", "format": "binary"}}}
MONTH = Query(..., pattern=MONTH_PATTERN, description="The calendar month, YYYY-MM (Europe/London days).")


def _chart(request: HttpRequest, person_id: uuid.UUID, month: str) -> tuple[Person, MarChart]:
    person = access_person_for_user(caller(request), person_id, Action.VIEW_MAR)
    return person, build_mar_chart(person, parse_month(month))


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
def mar_chart(request: HttpRequest, person_id: uuid.UUID, month: str = MONTH) -> Any:
    """A person's MAR chart for a month: prescriptions × times × days with codes and initials, PRN doses,
    doses not given with their reasons, corrections, the key and the staff who signed."""
    person, chart = _chart(request, person_id, month)
    if _wants_pdf(request):
        return _pdf(person, chart)
    return mar_chart_as_json(chart)


@router.get(
    "/people/{person_id}/mar.pdf",
    response={200: None, **READ_ERRORS},
    operation_id="mar_chart_pdf",
    openapi_extra={"responses": {200: {"description": "The MAR chart, A4 landscape.", "content": PDF_CONTENT}}},
)
def mar_chart_pdf(request: HttpRequest, person_id: uuid.UUID, month: str = MONTH) -> HttpResponse:
    """The same chart as an A4 landscape PDF, ready to print."""
    person, chart = _chart(request, person_id, month)
    return _pdf(person, chart)
