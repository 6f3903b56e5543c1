"""The home page is a hub too: medication shows the round and the checks; apps above it add panels that lead.

An app registers its panel once (in its AppConfig.ready), and medication never imports it:

    register_home_panel(HomePanel(key="alerts", order=10, render=alerts_home_panel))

``render(request)`` returns the panel's HTML, or None when there is nothing for this viewer (each panel checks the
policy table itself). Panels are shown first, in ``order``, above the page's own sections.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.safestring import SafeString

from carebook.access.http import AuthenticatedRequest


@dataclass(frozen=True)
class HomePanel:
    key: str
    order: int
    render: Callable[[AuthenticatedRequest], SafeString | None]


_PANELS: dict[str, HomePanel] = {}


def register_home_panel(panel: HomePanel) -> None:
    if panel.key in _PANELS and _PANELS[panel.key] != panel:
        raise ValueError(f"A home panel called {panel.key!r} is already registered.")
    _PANELS[panel.key] = panel


def home_panels(request: AuthenticatedRequest) -> list[SafeString]:
    """The panels this viewer sees at the top of the home page, in order."""
    shown = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.key)):
        html = panel.render(request)
        if html is not None:
            shown.append(html)
    return shown
