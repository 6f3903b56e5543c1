"""The person's page belongs to the people app; other apps add panels to it without people importing them."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.safestring import mark_safe

from carebook.people import panels
from carebook.people.panels import PanelContent, PersonPanel, register_person_panel


@pytest.fixture
def notes_panel(monkeypatch):
    """A panel another app (care plans, say) would register, shown only to seniors."""
    monkeypatch.setattr(panels, "_PANELS", dict(panels._PANELS))

    def render(request, person):
        if request.user.role == "care_worker":
            return None
        return PanelContent(html=mark_safe(f"<p data-testid='notes'>Notes about {person.known_as}</p>"))

    register_person_panel(PersonPanel(key="notes", order=5, render=render))


def test_the_page_shows_who_the_person_is_then_each_panel_in_order(client, world, notes_panel):
    client.force_login(world.sam)
    html = client.get(reverse("people:person", args=[world.ada.pk])).content.decode()
    assert "Addie" in html and "No known allergies" in html
    assert html.index("data-testid='notes'") < html.index('id="today"')  # notes (order 5) before medicines (10)
    assert "MAR chart" in html  # a link the medicines panel adds to the header


def test_a_panel_decides_for_itself_who_sees_it(client, world, notes_panel):
    client.force_login(world.carla)
    html = client.get(reverse("people:person", args=[world.ada.pk])).content.decode()
    assert "data-testid='notes'" not in html and 'id="today"' in html


def test_two_apps_cannot_register_different_panels_under_one_name(monkeypatch):
    monkeypatch.setattr(panels, "_PANELS", dict(panels._PANELS))
    with pytest.raises(ValueError, match="already registered"):
        register_person_panel(PersonPanel(key="medicines", order=1, render=lambda request, person: None))
