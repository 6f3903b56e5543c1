"""A weekly trend drawn as SVG on the server (no JavaScript: it shows in every browser and prints).

Bars, one a week, scaled to the largest value (to 100 for a percentage), each with its value written above it
and its week below; a week without a value (no doses due, no alerts) is marked "none". The chart is an image
whose words are its title; the same data is the table beside it (the page), for those who cannot see it.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from carebook.reports.rules import Unit, WeekValue

WIDTH, HEIGHT = 640, 220
TOP, BOTTOM, LEFT, RIGHT = 24, 40, 8, 8


def _label(value: float | None, unit: Unit) -> str:
    if value is None:
        return "none"
    text = f"{value:g}"
    return f"{text}%" if unit == Unit.PERCENT else text


def trend_svg(*, chart_id: str, title: str, weeks: Sequence[WeekValue], unit: Unit) -> str:
    """The chart's SVG markup (text escaped): ``chart_id`` names its title for ``aria-labelledby``."""
    values = [w.value for w in weeks if w.value is not None]
    top = 100.0 if unit == Unit.PERCENT else max([*values, 1.0])
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(len(weeks), 1)
    bar_w = max(slot * 0.6, 4)
    parts = [
        f'<svg class="cb-chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}" '
        'stroke="#4c6272" stroke-width="1"/>',
    ]
    for i, week in enumerate(weeks):
        x = LEFT + i * slot + (slot - bar_w) / 2
        centre = x + bar_w / 2
        if week.value is not None:
            h = plot_h * (week.value / top) if top else 0
            y = HEIGHT - BOTTOM - h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="#005eb8"/>')
        else:
            y = HEIGHT - BOTTOM
        parts.append(
            f'<text x="{centre:.1f}" y="{y - 6:.1f}" font-size="14" text-anchor="middle" fill="#212b32">'
            f"{escape(_label(week.value, unit))}</text>"
        )
        parts.append(
            f'<text x="{centre:.1f}" y="{HEIGHT - BOTTOM + 18}" font-size="13" text-anchor="middle" '
            f'fill="#4c6272">{week.start:%-d %b}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
