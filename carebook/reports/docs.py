"""docs/figures.md, written from the figures' definitions (a test holds the file to them):

DJANGO_SETTINGS_MODULE=config.settings_test .venv/bin/python -m carebook.reports.docs > docs/figures.md
"""

from __future__ import annotations

from carebook.reports import rules


def figures_markdown() -> str:
    from carebook.reports.figures import FIGURES, LATE_ENTRY_MINUTES

    lines = [
        "# Governance figures",
        "",
        "Generated from `carebook/reports/figures.py` (`python -m carebook.reports.docs`): the dashboard, the API",
        "(`GET /api/v1/reports/kpis`) and the CSV show these definitions beside the numbers, computed by the same",
        "functions.",
        "",
        "A period runs from local midnight (Europe/London) of its first day to local midnight after its last, so a",
        "day of the clock change is 23 or 25 hours long. A dose belongs to the date it has on the MAR; a record,",
        "an incident or an alert to the local date of its time. The default period is the last",
        f"{rules.DEFAULT_DAYS} whole days; it is compared with the previous period of the same length and with a",
        "baseline (chosen, or the period of the same length before the previous). A period is at most",
        f"{rules.MAX_DAYS} days. Late entries are records written more than {LATE_ENTRY_MINUTES} minutes after the",
        "time given.",
        "",
    ]
    for figure in FIGURES.values():
        d = figure.definition
        lines += [
            f"## {d.name}",
            "",
            f"- Key: `{d.key}`; unit: {d.unit.value}; better when {'higher' if d.higher_is_better else 'lower'}.",
            f"- What counts: {d.counts}",
            f"- What is left out: {d.excluded}",
            "",
        ]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    import django

    django.setup()
    print(figures_markdown(), end="")
