"""The MAR chart as a PDF: A4 landscape, ready to print.

WeasyPrint is imported inside the function: importing it costs about 1.5 s,
which no other page should pay. The PDF template carries its own CSS (the
browser's Content-Security-Policy does not apply to a PDF) and loads nothing
from the network or the disk.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from carebook.medication.selectors.mar import MarChart

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
