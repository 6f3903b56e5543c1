"""The MAR chart as a PDF: A4 landscape, ready to print.

WeasyPrint is imported inside the function: importing it costs about 1.5 s,
which no other page should pay. The PDF template carries its own CSS (the
browser's Content-Security-Policy does not apply to a PDF) and loads nothing
from the network or the disk.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header

from carebook.medication.selectors.mar import MarChart
from carebook.people.models import Person

TEMPLATE = "medication/mar_pdf.html"


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"The MAR PDF loads no external resources ({url[:40]}).")


def render_mar_pdf_html(chart: MarChart) -> str:
    """The HTML the PDF is made from (useful to test the content without rendering a PDF)."""
    return render_to_string(TEMPLATE, {"chart": chart, "p": chart.person, "day_count": len(chart.days)})


def render_mar_pdf(chart: MarChart) -> bytes:
    """The chart as PDF bytes: A4 landscape, header repeated on every page, footer with page X of Y."""
    import weasyprint  # lazily: importing costs about 1.5 s

    html = render_mar_pdf_html(chart)
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=_no_fetching)
    pdf = document.write_pdf()
    assert pdf is not None
    return bytes(pdf)


def pdf_filename(person: Person, month: dt.date | str) -> str:
    """MAR-<surname>-<YYYY-MM>.pdf (a cycle: its first day), the surname reduced to plain ASCII letters, digits and
    hyphens."""
    ascii_name = unicodedata.normalize("NFKD", person.family_name).encode("ascii", "ignore").decode()
    surname = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-") or "person"
    period = month if isinstance(month, str) else f"{month:%Y-%m}"
    return f"MAR-{surname}-{period}.pdf"


def mar_pdf_response(person: Person, chart: MarChart) -> HttpResponse:
    """The MAR PDF as the page and the API both send it: a download with the person's surname, never cached."""
    response = HttpResponse(render_mar_pdf(chart), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, pdf_filename(person, chart.slug)) or ""
    response["Cache-Control"] = "private, no-store"
    return response
