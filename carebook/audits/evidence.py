"""The evidence beside an audit's questions: the governance figure each names (``AuditQuestion.evidence``), for the
audit's period at its location, from the figure's one function (``reports.figures.FIGURES``), with a link to the
records behind it. Read when the audit is shown (as of now: a late entry written since appears)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

from carebook.audits.models import Audit
from carebook.audits.selectors import AuditView
from carebook.core import clock
from carebook.reports.figures import FIGURES
from carebook.reports.rules import Period, show


def EVIDENCE_KEYS() -> set[str]:
    return set(FIGURES)


@dataclass(frozen=True)
class Evidence:
    key: str
    name: str
    value: str  # in words ("92.5%", "3", "none")
    detail: str  # "37 of 40", or ""
    url: str  # the records behind it, for the audit's period


def evidence_for(view: AuditView) -> dict[str, Evidence]:
    """Each figure the audit's questions name, once."""
    audit: Audit = view.audit
    period = Period(audit.period_start, audit.period_end)
    now = clock.now()
    query = urlencode({"from": period.start.isoformat(), "to": period.last_day.isoformat()})
    found: dict[str, Evidence] = {}
    for key in dict.fromkeys(q.question.evidence for q in view.questions if q.question.evidence):
        figure = FIGURES.get(key)
        if figure is None:
            continue
        value = figure.compute([audit.location_id], period, now)
        detail = (
            f"{value.numerator} of {value.denominator}"
            if value.numerator is not None and value.denominator is not None
            else ""
        )
        found[key] = Evidence(
            key=key,
            name=figure.definition.name,
            value=show(value.value, figure.definition.unit),
            detail=detail,
            url=reverse("reports:location_figure", args=[audit.location_id, key]) + f"?{query}",
        )
    return found
