"""The person's page is a hub: the people app shows who the person is; other apps add panels.

An app registers its panel once (in its AppConfig.ready), and the people app never imports it:

    register_person_panel(PersonPanel(key="medicines", order=10, render=medicines_panel))

``render(request, person)`` returns the panel's HTML and links for the page header, or None when
there is nothing for this viewer (their role may not see it: each panel checks the policy table
itself, through its own access functions). Panels are shown in ``order``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils.safestring import SafeString

from carebook.access.http import AuthenticatedRequest
from carebook.people.models import Person


@dataclass(frozen=True)
class PanelContent:
    html: SafeString
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url) for the page's header


@dataclass(frozen=True)
class PersonPanel:
    key: str
    order: int
    render: Callable[[AuthenticatedRequest, Person], PanelContent | None]


_PANELS: dict[str, PersonPanel] = {}


def register_person_panel(panel: PersonPanel) -> None:
    if panel.key in _PANELS and _PANELS[panel.key] != panel:
        raise ValueError(f"A person panel called {panel.key!r} is already registered.")
    _PANELS[panel.key] = panel


def registered_panels() -> list[PersonPanel]:
    return sorted(_PANELS.values(), key=lambda p: (p.order, p.key))


def person_panels(request: AuthenticatedRequest, person: Person) -> list[PanelContent]:
    """The panels this viewer sees on this person's page, in order."""
    shown = []
    for panel in registered_panels():
        content = panel.render(request, person)
        if content is not None:
            shown.append(content)
    return shown
