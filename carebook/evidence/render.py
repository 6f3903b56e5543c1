"""An evidence pack's files from what ``collect`` read: one PDF (WeasyPrint; the pack's own pages, A4 portrait,
then each MAR chart as the MAR's own PDF prints it, A4 landscape) and a ZIP of CSVs. The figures' CSV is the
dashboard's own (``reports.selectors.as_rows``); every value printed is ``reports.rules.show`` of the figure's one
function, so the pack, the page, the API and the CSV say the same."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from carebook.actions.rules import is_overdue
from carebook.alerts.vocab import ActionKind, AlertKind, AlertStatus, Outcome
from carebook.core import clock
from carebook.evidence.collect import PackContent
from carebook.incidents.vocab import Harm, IncidentKind, IncidentStatus
from carebook.medication.pdf import pdf_filename, render_mar_pdf_html
from carebook.medication.selectors.mar import mar_chart_as_json
from carebook.reports.chart import trend_svg
from carebook.reports.rules import show
from carebook.reports.selectors import as_rows

TEMPLATE = "evidence/pack.html"


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"The evidence pack loads no external resources ({url[:40]}).")


def _when(value: Any) -> str:
    return clock.to_local(value).strftime("%d/%m/%Y %H:%M") if value else ""


def _who(user: Any) -> str:
    return user.display_name if user is not None else ""


def figure_items(content: PackContent) -> list[dict[str, Any]]:
    items = []
    for r in content.figures:
        unit = r.definition.unit
        items.append(
            {
                "name": r.definition.name,
                "key": r.definition.key,
                "counts": r.definition.counts,
                "excluded": r.definition.excluded,
                "chosen": show(r.chosen.value, unit),
                "detail": f"{r.chosen.numerator} of {r.chosen.denominator}"
                if r.chosen.numerator is not None and r.chosen.denominator is not None
                else "",
                "previous": show(r.previous.value, unit),
                "baseline": show(r.baseline.value, unit),
                "vs_previous": r.vs_previous.value,
                "vs_baseline": r.vs_baseline.value,
                "weeks": [(w.start, show(w.value, unit)) for w in r.chosen.weeks],
                "chart": mark_safe(  # noqa: S308 (chart.trend_svg escapes every text it writes)
                    trend_svg(
                        chart_id=f"pack-{r.definition.key}",
                        title=f"{r.definition.name}, week by week",
                        weeks=r.chosen.weeks,
                        unit=unit,
                    )
                )
                if r.definition.main
                else "",
            }
        )
    return items


def pack_html(content: PackContent, *, requested_by: str, pack_id: str) -> str:
    """The pack's own pages as HTML (the MAR charts follow as their own documents)."""
    today = clock.to_local(content.as_of).date()
    return render_to_string(
        TEMPLATE,
        {
            "c": content,
            "p": content.period,
            "pack_id": pack_id,
            "requested_by": requested_by,
            "made_at": _when(content.as_of),
            "figures": figure_items(content),
            "incidents": [
                {
                    "i": i,
                    "kind": IncidentKind.label_of(i.kind, i.kind),
                    "harm": Harm.label_of(i.harm, i.harm),
                    "status": IncidentStatus.label_of(i.status, i.status),
                    "occurred": _when(i.occurred_at),
                    "signed_off": f"{_who(i.signed_off_by)}, {_when(i.signed_off_at)}" if i.signed_off_at else "",
                    "actions": [_action(a, today) for a in actions],
                }
                for i, actions in content.incidents
            ],
            "audits": [
                {
                    "row": row,
                    "view": view,
                    "signed": f"{_who(row.audit.signed_by)}, {_when(row.audit.signed_at)}"
                    if row.audit is not None and row.audit.signed_at
                    else "",
                    "noes": [q for q in view.questions if q.answer is not None and q.answer.value == "no"]
                    if view
                    else [],
                    "actions": [_action(a, today) for a in view.actions] if view else [],
                }
                for row, view in content.audits
            ],
            "alerts": [
                {
                    "a": a,
                    "kind": AlertKind.label_of(a.kind, a.kind),
                    "status": AlertStatus.label_of(a.status, a.status),
                    "outcome": Outcome.label_of(a.outcome, a.outcome),
                    "raised": _when(a.raised_at),
                    "acknowledged": f"{_who(a.acknowledged_by)}, {_when(a.acknowledged_at)}"
                    if a.acknowledged_at
                    else "",
                    "resolved": f"{_who(a.resolved_by)}, {_when(a.resolved_at)}" if a.resolved_at else "",
                    "cleared": f"{_when(a.cleared_at)}: {a.cleared_reason}" if a.cleared_at else "",
                    "steps": [f"{ActionKind.label_of(s.kind, s.kind)} ({_who(s.by)}, {_when(s.at)})" for s in steps],
                }
                for a, steps in content.alerts
            ],
            "charts": [(person, chart.month) for person, chart in content.charts],
        },
    )


def _by_at(user: Any, at: Any) -> str:
    return f"{_who(user)}, {_when(at)}" if at else ""


def _action(a: Any, today: Any) -> dict[str, Any]:
    return {
        "a": a,
        "kind": a.get_kind_display(),
        "overdue": is_overdue(due_on=a.due_on, completed=a.is_completed, today=today),
        "completed": f"{_who(a.completed_by)}, {_when(a.completed_at)}" if a.completed_at else "",
    }


def pack_pdf(content: PackContent, *, requested_by: str, pack_id: str) -> bytes:
    """The whole pack as one PDF: its own pages, then each MAR chart."""
    import weasyprint  # lazily: importing costs about 1.5 s

    documents = [
        weasyprint.HTML(
            string=pack_html(content, requested_by=requested_by, pack_id=pack_id), url_fetcher=_no_fetching
        ).render()
    ]
    for _person, chart in content.charts:
        documents.append(weasyprint.HTML(string=render_mar_pdf_html(chart), url_fetcher=_no_fetching).render())
    pages = [page for document in documents for page in document.pages]
    pdf = documents[0].copy(pages).write_pdf()
    assert pdf is not None
    return bytes(pdf)


def _csv(rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def csv_files(content: PackContent) -> dict[str, bytes]:
    """Each table of the pack as a CSV (times in the home's time, Europe/London)."""
    today = clock.to_local(content.as_of).date()
    files: dict[str, bytes] = {"figures.csv": _csv(as_rows(content.figures, content.periods))}
    files["incidents.csv"] = _csv(
        [
            [
                "id",
                "occurred",
                "kind",
                "harm",
                "status",
                "person",
                "medicine",
                "what_happened",
                "reported_by",
                "signed_off",
            ]
        ]
        + [
            [
                str(i.pk),
                _when(i.occurred_at),
                i.kind,
                i.harm,
                i.status,
                i.person.full_name if i.person else "",
                str(i.prescription.medicine) if i.prescription else "",
                i.what_happened,
                _who(i.reported_by),
                _when(i.signed_off_at),
            ]
            for i, _ in content.incidents
        ]
    )
    action_rows: list[list[Any]] = [
        ["source", "source_id", "kind", "what", "owner", "due_on", "overdue", "completed", "completion_note"]
    ]
    for i, actions in content.incidents:
        action_rows += [_action_row("incident", i.pk, a, today) for a in actions]
    for _row, view in content.audits:
        if view is not None:
            action_rows += [_action_row("audit", view.audit.pk, a, today) for a in view.actions]
    files["corrective_actions.csv"] = _csv(action_rows)
    files["audits.csv"] = _csv(
        [
            [
                "template",
                "title",
                "period_start",
                "period_last_day",
                "due_on",
                "state",
                "audit_id",
                "signed_by",
                "signed_at",
                "findings",
            ]
        ]
        + [
            [
                row.template.key,
                row.title,
                row.slot.start.isoformat(),
                row.slot.last_day.isoformat(),
                row.slot.due_on.isoformat(),
                row.state.value,
                str(row.audit.pk) if row.audit else "",
                _who(row.audit.signed_by) if row.audit else "",
                _when(row.audit.signed_at) if row.audit else "",
                " | ".join(f.text for f in view.findings) if view else "",
            ]
            for row, view in content.audits
        ]
    )
    files["alerts.csv"] = _csv(
        [
            [
                "id",
                "raised",
                "kind",
                "severity",
                "status",
                "person",
                "medicine",
                "summary",
                "acknowledged",
                "resolved",
                "outcome",
                "cleared",
                "steps",
            ]
        ]
        + [
            [
                str(a.pk),
                _when(a.raised_at),
                a.kind,
                a.severity,
                a.status,
                a.person.full_name if a.person else "",
                str(a.prescription.medicine) if a.prescription else "",
                a.summary,
                _when(a.acknowledged_at),
                _when(a.resolved_at),
                a.outcome,
                _when(a.cleared_at),
                " | ".join(s.kind for s in steps),
            ]
            for a, steps in content.alerts
        ]
    )
    return files


def _action_row(source: str, source_id: Any, a: Any, today: Any) -> list[Any]:
    return [
        source,
        str(source_id),
        a.kind,
        a.what,
        _who(a.owner),
        a.due_on.isoformat(),
        "yes" if is_overdue(due_on=a.due_on, completed=a.is_completed, today=today) else "no",
        _when(a.completed_at),
        a.completion_note,
    ]


def pack_zip(content: PackContent, *, pdf: bytes) -> bytes:
    """The CSVs, the figures as JSON (the API's shape), the MAR charts as JSON, and the PDF itself, in one ZIP."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in csv_files(content).items():
            archive.writestr(name, data)
        archive.writestr("figures.json", json.dumps(content.figures_json, indent=2, sort_keys=True))
        archive.writestr("evidence-pack.pdf", pdf)
        for person, chart in content.charts:  # each MAR chart as the API gives it; two people may share a surname
            name = pdf_filename(person, chart.month).removesuffix(".pdf")
            chart_json = json.dumps(mar_chart_as_json(chart), indent=1, sort_keys=True)
            archive.writestr(f"mar/{name}-{str(person.pk)[:8]}.json", chart_json)
    return out.getvalue()
